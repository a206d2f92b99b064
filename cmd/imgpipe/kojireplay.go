package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/kojireplay"
)

// cmdKojiReplay writes the pinned recipe that rebuilds a Koji image task
// (internal/kojireplay; docs/koji-replay.md), and with --run runs it as
// `imgpipe run` does. Every failure to read the task (an unknown task, one
// of another method, a hub that faults, times out or answers garbage) is
// bad input: exit 2.
func cmdKojiReplay(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("koji replay", "TASK-ID | TASK-URL")
	var hf hubFlags
	hf.register(fs)
	out := fs.String("o", "", "write the recipe to this file (default: standard output; with --run, koji-TASK-ID.hcl)")
	topurl := fs.String("topurl", "", "the hub's file tree (https://kojipkgs.fedoraproject.org for Fedora; default: the --profile's topurl): the build tag's repository, for a task that gave no --repo, is under it")
	runNow := fs.Bool("run", false, "run the recipe at once, as imgpipe run does (with its default flags)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("koji replay takes one task: imgpipe koji replay TASK-ID (or the task's web page URL, .../taskinfo?taskID=N)")
	}
	id, err := taskArg(pos[0])
	if err != nil {
		return err
	}
	path := *out
	if *runNow && path == "" {
		path = fmt.Sprintf("koji-%d.hcl", id)
		if _, err := os.Lstat(path); err == nil {
			return usagef("--run writes the recipe to %s, which exists; name another file with -o", path)
		}
	}
	client, err := hf.client()
	if err != nil {
		return err
	}
	if *topurl == "" && hf.hub == "" {
		// client has read the profile; its topurl names the file tree.
		home, _ := os.UserHomeDir()
		if prof, err := kojihub.ReadProfile(hf.profile, kojihub.ConfigFiles(home), home); err == nil {
			*topurl = prof.TopURL
		}
	}
	res, err := kojireplay.Replay(ctx, client, id, kojireplay.Options{Hub: client.Hub(), TopURL: *topurl})
	if err != nil {
		// The hub's errors are bad input (exitCode); so are replay's own:
		// an unknown task, another method, a request not Koji's.
		if _, ok := errors.AsType[*kojihub.Error](err); ok || ctx.Err() != nil {
			return fmt.Errorf("koji replay: %w", err)
		}
		return usagef("koji replay: %v", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(a.stderr, "Warning: %s\n", w)
	}
	// The files the recipe reads (an uploaded kickstart) go beside it.
	dir := filepath.Dir(path)
	if path == "" {
		dir = "."
	}
	names := slices.Sorted(maps.Keys(res.Files))
	for _, name := range names {
		p := filepath.Join(dir, name)
		if old, err := os.ReadFile(p); err == nil && !bytes.Equal(old, res.Files[name]) {
			return usagef("koji replay: the recipe reads %s, which exists with other content; replay into another directory (-o DIR/recipe.hcl)", p)
		}
	}
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, res.Files[name], 0o644); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Wrote %s: the kickstart task %d uploaded.\n", p, res.TaskID)
	}
	if path == "" {
		_, err = a.stdout.Write(res.HCL)
		return err
	}
	if err := os.WriteFile(path, res.HCL, 0o644); err != nil {
		return err
	}
	what := fmt.Sprintf("task %d", res.TaskID)
	if res.Asked != res.TaskID {
		what = fmt.Sprintf("task %d (the %s task of %d)", res.TaskID, res.Method, res.Asked)
	}
	fmt.Fprintf(a.stderr, "Wrote %s: %s %q from %s.\n", path, res.Method, res.Name, what)
	if !*runNow {
		return nil
	}
	return cmdRun(ctx, a, []string{path})
}

// taskArg reads a task ID, or a Koji web page URL naming one
// (parseTaskRef), with an error that says which it is not.
func taskArg(s string) (int64, error) {
	if id, ok := parseTaskRef(s); ok {
		return id, nil
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return 0, usagef("%s is not a task ID: Koji's task IDs are positive", s)
	}
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return 0, usagef("%s names no task: a Koji task's page is .../taskinfo?taskID=N", s)
	}
	return 0, usagef("%q is neither a task ID nor a task's URL (https://koji.example.org/koji/taskinfo?taskID=N)", s)
}
