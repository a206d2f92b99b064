package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/suggest"
	"github.com/imgpipe/imgpipe/internal/version"
)

// kojiCommands are the subcommands of `imgpipe koji`, which read a Koji
// hub (internal/kojihub; docs/koji-hub.md).
func kojiCommands() []command {
	return []command{
		{"diff", "Compare a local published build with Koji's build of a task or N-V-R", cmdKojiDiff},
		{"replay", "Write the pinned recipe that rebuilds a Koji image, livemedia or appliance task", cmdKojiReplay},
	}
}

func cmdKoji(ctx context.Context, a *app, args []string) error {
	cmds := kojiCommands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := a.stdout
		if len(args) == 0 {
			w = a.stderr
		}
		kojiUsage(w, cmds)
		if len(args) == 0 {
			return &silentError{code: exitInvalid}
		}
		return nil
	}
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		var names []string
		for _, c := range cmds {
			names = append(names, c.name)
		}
		return usagef("koji: unknown subcommand %q.%s Run 'imgpipe koji help' for the list.", args[0], suggest.DidYouMean(args[0], names))
	}
	return cmds[i].run(ctx, a, args[1:])
}

func kojiUsage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "Usage: imgpipe koji <subcommand> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Subcommands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The hub is a koji profile's server (--profile, default koji) or --hub URL.")
	fmt.Fprintln(w, "Run 'imgpipe koji <subcommand> -h' for its flags.")
}

// hubFlags are the flags every `imgpipe koji` subcommand shares: which
// hub, and how long to wait for it.
type hubFlags struct {
	hub, profile string
	timeout      time.Duration
}

func (hf *hubFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&hf.hub, "hub", "", "the Koji hub's URL (https://koji.example.org/kojihub); default: the --profile's server")
	fs.StringVar(&hf.profile, "profile", "koji", "the koji CLI profile whose server to call (/etc/koji.conf.d/*.conf, /etc/koji.conf, ~/.koji/config.d/*.conf, ~/.koji/config)")
	fs.DurationVar(&hf.timeout, "timeout", 0, fmt.Sprintf("how long one call to the hub may take (default: the profile's timeout, else %s)", kojihub.DefaultTimeout))
}

// client returns a client of the hub the flags name: --hub, else the
// profile's server (with its serverca and timeout). A profile that cannot
// be read is a usage error.
func (hf *hubFlags) client() (*kojihub.Client, error) {
	opts := kojihub.Options{Timeout: hf.timeout, UserAgent: "imgpipe/" + version.Short()}
	hub := hf.hub
	if hub == "" {
		home, _ := os.UserHomeDir()
		prof, err := kojihub.ReadProfile(hf.profile, kojihub.ConfigFiles(home), home)
		if err != nil {
			return nil, usagef("%v", err)
		}
		hub, opts.ServerCA = prof.Server, prof.ServerCA
		if opts.Timeout == 0 {
			opts.Timeout = prof.Timeout
		}
	}
	c, err := kojihub.New(strings.TrimSpace(hub), opts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}
