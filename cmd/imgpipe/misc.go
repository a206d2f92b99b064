package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/version"
)

func cmdGC(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("gc", "")
	var sf storeFlags
	sf.register(fs)
	keep := fs.Int("keep-runs", 10, "keep the objects and logs of this many most recent runs")
	dryRun := fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("gc takes no arguments; use --store to name the store")
	}
	if *keep < 0 {
		return usagef("--keep-runs must be 0 or more")
	}
	a.sweepOrphans(ctx)
	st, err := sf.open()
	if err != nil {
		return err
	}
	res, err := st.GC(store.GCOptions{KeepRuns: *keep, DryRun: *dryRun})
	if err != nil {
		return err
	}
	verb := "Removed"
	if *dryRun {
		verb = "Would remove"
	}
	fmt.Fprintf(a.stdout, "%s %d objects, %d runs and %d temporary files (%s).\n",
		verb, len(res.Objects), len(res.Runs), len(res.Temp), humanBytes(res.Bytes))
	return nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func cmdVersion(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("version", "")
	asJSON := fs.Bool("json", false, "print as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version takes no arguments")
	}
	info := version.Info()
	if *asJSON {
		b, _ := json.MarshalIndent(info, "", "  ")
		fmt.Fprintf(a.stdout, "%s\n", b)
		return nil
	}
	fmt.Fprintf(a.stdout, "imgpipe %s (%s, %s)\n", info["version"], info["go"], info["platform"])
	if rev := info["vcs.revision"]; rev != "" {
		dirty := ""
		if info["vcs.modified"] == "true" {
			dirty = ", modified"
		}
		fmt.Fprintf(a.stdout, "commit %s%s\n", rev, dirty)
	}
	return nil
}

func cmdCompletion(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("completion", "bash|zsh|fish")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	shells := []string{"bash", "zsh", "fish"}
	if len(pos) != 1 || !slices.Contains(shells, pos[0]) {
		return usagef("completion needs a shell: imgpipe completion bash|zsh|fish")
	}
	fmt.Fprint(a.stdout, completionScript(pos[0]))
	return nil
}
