package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/charmbracelet/log"
	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/progress"
)

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("run", "RECIPE.hcl")
	var rf recipeFlags
	rf.register(fs)
	storeFlag := fs.String("store", "", "store directory (default: .imgpipe beside the recipe, or $IMGPIPE_STORE)")
	jobs := fs.Int("jobs", 0, "how many stages may run at once on this machine (default: one per CPU); stages on builder pools wait for their builders' jobs instead")
	output := fs.String("output", "", "copy what the run made into this directory: the published images, or the final stages' files")
	var force forceFlag
	fs.Var(&force, "force", "rebuild stages even when cached: --force for all, --force=GLOB for matching stage names (repeatable)")
	mode := progress.Auto
	fs.Var(&mode, "progress", "progress output: auto, tty, plain or json")
	keepGoing := fs.Bool("keep-going", false, "a failure does not cancel the stages that do not depend on it: the other arches build on, and the run shows every failure")
	onError := fs.String("on-error", kind.OnErrorCleanup, "what a failed guest-install or boot-verify does with its VM: cleanup (stop it), abort (keep it running to debug: attach with imgpipe console; the run waits until you end it) or ask (on a terminal: retry, console, abort)")
	var cf cacheFlags
	cf.register(fs)
	var debug debugInstallFlag
	fs.Var(&debug, "debug-install", "ssh into each install: its installer runs sshd and the log says how to log in (ssh -p PORT root@127.0.0.1) as root with your keys in ~/.ssh, or --debug-install=KEY.pub (in the stage IDs: what it builds is never taken for the real thing)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path, err := oneRecipe("run", pos)
	if err != nil {
		return err
	}
	var ask func(context.Context, kind.KeptMachine) kind.Decision
	switch *onError {
	case kind.OnErrorCleanup, kind.OnErrorAbort:
	case kind.OnErrorAsk:
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return usagef("--on-error=ask asks on a terminal, and standard input is not one; use --on-error=abort")
		}
		ask = newAsker(os.Stdin, a.stderr).ask
	default:
		return usagef("--on-error %q: want cleanup, abort or ask", *onError)
	}
	if err := cf.check(); err != nil {
		return err
	}
	if *jobs < 0 {
		return usagef("--jobs must be 1 or more (0, the default, means one per CPU)")
	}
	if rf.settings, err = debug.settings(); err != nil {
		return err
	}
	a.sweepOrphans(ctx)
	plan, execs, err := a.prepare(ctx, path, rf, forRun)
	if err != nil {
		return err
	}
	st, err := store.Open(storeDir(*storeFlag, plan.Recipe.Dir))
	if err != nil {
		return err
	}
	cacheFrom, cacheTo, err := cf.open(plan.Recipe.Cache)
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
		Jobs:      *jobs,
		Force:     force,
		Events:    events.Tee(runLog(logger), renderer),
		KeepGoing: *keepGoing,
		OnError:   *onError,
		Ask:       ask,
		CacheFrom: cacheFrom,
		CacheTo:   cacheTo,
	})
	if err := renderer.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if summary != nil && runErr == nil && len(summary.Tolerated) > 0 {
		logger.Warn(fmt.Sprintf("%s failed; allowed by can_fail", strings.Join(summary.Tolerated, ", ")),
			"logs", st.RunPath(summary.RunID))
	}
	if runErr != nil && summary != nil {
		if *keepGoing && len(summary.Failed) > 0 {
			var built []string
			for _, arch := range plan.Build.Arches {
				if !slices.Contains(summary.Failed, arch) {
					built = append(built, arch)
				}
			}
			if len(built) > 0 {
				logger.Warn(fmt.Sprintf("--keep-going: %s failed; %s built every stage it could (nothing is published for a failed build)",
					strings.Join(summary.Failed, ", "), strings.Join(built, ", ")))
			}
		}
		// The progress output said that it failed and why; where the logs
		// are is all that is left to say.
		fmt.Fprintf(a.stderr, "logs: %s\n", st.RunPath(summary.RunID))
		// The progress view has shown what failed; only the code is left.
		return &silentError{code: exitCode(runErr)}
	}
	if runErr == nil && *output != "" {
		if err := copyResults(st, summary.Results, *output); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		logger.Info("results copied", "to", *output)
	}
	return runErr
}

// copyResults copies what a run made into dir: each final stage's files,
// and the images of a build it published (upload's location, when that is
// a build in the store). Copies, not links: the store's objects stay
// immutable whatever is done with them. Two results with one name go into
// a directory per stage instance.
func copyResults(st *store.Store, results []events.Result, dir string) error {
	type item struct{ src, name, instance string }
	var items []item
	listed := map[string]bool{} // one build is named by every arch's upload
	named := map[string]int{}
	for _, r := range results {
		srcs := slices.Clone(r.Files)
		if loc := r.Values["location"]; loc != "" && strings.HasPrefix(loc, st.Dir+string(filepath.Separator)) {
			images, _ := filepath.Glob(filepath.Join(loc, "images", "*"))
			srcs = append(srcs, images...)
		}
		for _, src := range srcs {
			if !listed[src] {
				listed[src] = true
				items = append(items, item{src, filepath.Base(src), r.Stage + "-" + r.Arch})
				named[filepath.Base(src)]++
			}
		}
	}
	for _, it := range items {
		dst := filepath.Join(dir, it.name)
		if named[it.name] > 1 {
			dst = filepath.Join(dir, it.instance, it.name)
		}
		if err := copyTree(it.src, dst); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies a file, or a directory and everything in it.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil // links and devices stay in the store
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil { // copy_file_range: a reflink where the file system has them
			out.Close()
			return err
		}
		return out.Close()
	})
}

// runLog says which build a run makes, once the run has settled its
// release (before the first stage the release decides), and that the run
// waits for its pushes to the team cache, if it does.
func runLog(logger *log.Logger) events.Sink {
	return events.SinkFunc(func(e events.Event) {
		switch {
		case e.Type == events.RunPushing:
			what := "pushes"
			if e.Pushes == 1 {
				what = "push"
			}
			logger.Info(fmt.Sprintf("waiting for %d %s to the team cache", e.Pushes, what))
		case e.Type != events.RunRelease:
		case e.UpToDate:
			logger.Info(fmt.Sprintf("%s is published with these stages; checking it is up to date", e.Build))
		default:
			logger.Info("building " + e.Build)
		}
	})
}
