package main

import (
	"context"
	"encoding/json"
	"fmt"
)

// cmdVerify reads a whole store: every object against its record, every
// published and scratch build against its metadata.json and SHA256SUMS.
// It changes nothing; it exits 1 when something is damaged.
func cmdVerify(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("verify", "")
	var sf storeFlags
	sf.register(fs)
	format := registerFormat(fs, "text", "json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("verify takes no arguments; use --store to name the store")
	}
	st, err := sf.open()
	if err != nil {
		return err
	}
	rep, err := st.Verify()
	if err != nil {
		return err
	}
	if format.json() {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(a.stdout, "%s\n", b)
		if len(rep.Damaged) > 0 {
			return &silentError{code: exitFailed}
		}
		return nil
	}
	objects, builds := 0, 0
	for _, d := range rep.Damaged {
		if d.Object != "" {
			objects++
			what := ""
			if d.What != "" {
				what = " (" + d.What + ")"
			}
			fmt.Fprintf(a.stdout, "DAMAGED object %s%s: %s\n", d.Object, what, d.Dir)
		} else {
			builds++
			fmt.Fprintf(a.stdout, "DAMAGED build %s: %s\n", d.Build, d.Dir)
		}
		for _, f := range d.Damage {
			fmt.Fprintf(a.stdout, "  %s\n", f)
		}
	}
	fmt.Fprintf(a.stdout, "Checked %d objects and %d builds in %s.\n", rep.Objects, rep.Builds, st.Dir)
	if len(rep.Damaged) == 0 {
		return nil
	}
	if objects > 0 {
		fmt.Fprintln(a.stdout, "A damaged object is never reused: the next run that needs it removes it and builds its stage again.")
	}
	if builds > 0 {
		fmt.Fprintln(a.stdout, "The next run of a damaged build's recipe puts its damaged files back from the store's objects, or, when it cannot, says so: then delete the build with `imgpipe builds delete N-V-R` and run again.")
	}
	return fmt.Errorf("%d damaged objects and %d damaged builds in %s", objects, builds, st.Dir)
}
