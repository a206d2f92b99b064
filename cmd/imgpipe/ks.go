package main

import (
	"context"
	"fmt"
	"slices"
)

// cmdKs dispatches `imgpipe ks fetch|flatten|lint`.
func cmdKs(ctx context.Context, a *app, args []string) error {
	subs := []command{
		{"fetch", "Fetch a kickstart and its tree (Koji SCM URL, path, http(s), go-getter URL)", cmdKsFetch},
		{"flatten", "Print a kickstart flattened as pykickstart (and Koji) does", cmdKsFlatten},
		{"lint", "Check a kickstart for mistakes an unattended build trips on", cmdKsLint},
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		w := a.stderr
		if len(args) > 0 {
			w = a.stdout
		}
		fmt.Fprintln(w, "Usage: imgpipe ks <command> [flags] [args]")
		fmt.Fprintln(w)
		for _, c := range subs {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return &silentError{code: exitInvalid}
		}
		return nil
	}
	i := slices.IndexFunc(subs, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		return usagef("unknown ks command %q: use fetch, flatten or lint", args[0])
	}
	return subs[i].run(ctx, a, args[1:])
}
