package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/charmbracelet/log"
	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
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
	plan, execs, err := a.prepare(ctx, path, rf, forRun)
	if err != nil {
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

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	summary, runErr := engine.Run(ctx, plan, execs, st, engine.RunOptions{
		Jobs:   *jobs,
		Force:  force,
		Events: events.Tee(releaseLog(logger), renderer),
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

// releaseLog says which build a run makes, once the run has settled its
// release: before the first stage the release decides.
func releaseLog(logger *log.Logger) events.Sink {
	return events.SinkFunc(func(e events.Event) {
		switch {
		case e.Type != events.RunRelease:
		case e.UpToDate:
			logger.Info(fmt.Sprintf("%s is published with these stages; checking it is up to date", e.Build))
		default:
			logger.Info("building " + e.Build)
		}
	})
}
