package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/log"
	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/progress"
)

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("run", "RECIPE.hcl")
	var rf recipeFlags
	rf.register(fs)
	storeFlag := fs.String("store", "", "store directory (default: .imgpipe beside the recipe, or $IMGPIPE_STORE)")
	jobs := fs.Int("jobs", 0, "how many stages may run at once (default: one per CPU)")
	var force forceFlag
	fs.Var(&force, "force", "rebuild stages even when cached: --force for all, --force=GLOB for matching stage names (repeatable)")
	mode := progress.Auto
	fs.Var(&mode, "progress", "progress output: auto, tty, plain or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path, err := oneRecipe("run", pos)
	if err != nil {
		return err
	}
	if *jobs < 0 {
		return usagef("--jobs must be 1 or more (0, the default, means one per CPU)")
	}
	plan, err := a.loadPlan(path, rf, true)
	if err != nil {
		return err
	}
	if err := a.resolve(ctx, plan); err != nil {
		return err
	}
	if diags := plan.Runnable(nil); diags.HasErrors() {
		return diags
	}
	// Before a release is claimed: a run that cannot reach its executors
	// does nothing.
	if err := plan.OpenError(nil); err != nil {
		return err
	}
	st, err := store.Open(storeDir(*storeFlag, plan.Recipe.Dir))
	if err != nil {
		return err
	}
	var opts []progress.Option
	if f, ok := a.stderr.(*os.File); ok {
		opts = append(opts, progress.WithTerminal(term.IsTerminal(int(f.Fd()))))
	}
	renderer, err := progress.New(mode, a.stderr, opts...)
	if err != nil {
		return usagef("%s", err)
	}
	logger := log.NewWithOptions(a.stderr, log.Options{Prefix: "imgpipe"})

	runID := store.NewRunID(time.Now())
	if plan.UsesRelease() {
		rel, err := plan.ClaimRelease(st, runID)
		if err != nil {
			return err
		}
		if rel.Unlock != nil {
			defer rel.Unlock()
		}
		b := plan.Build
		msg := fmt.Sprintf("building %s-%s-%s", b.Name, b.Version, rel.Release)
		if rel.UpToDate {
			msg = fmt.Sprintf("%s-%s-%s is published with these stages; checking it is up to date", b.Name, b.Version, rel.Release)
		}
		logger.Info(msg)
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	summary, runErr := engine.Run(ctx, plan, engine.RunOptions{
		RunID:  runID,
		Store:  st,
		Jobs:   *jobs,
		Force:  force,
		Events: renderer,
	})
	if err := renderer.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if summary != nil && runErr == nil && len(summary.Tolerated) > 0 {
		logger.Warn(fmt.Sprintf("%s failed; allowed by can_fail", strings.Join(summary.Tolerated, ", ")),
			"logs", st.RunPath(summary.RunID))
	}
	if runErr != nil && summary != nil {
		logger.Error("run "+summary.Status, "logs", st.RunPath(summary.RunID))
		// The progress view has shown what failed; only the code is left.
		return &silentError{code: exitCode(runErr)}
	}
	return runErr
}
