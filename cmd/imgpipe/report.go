package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/progress"
	"github.com/imgpipe/imgpipe/internal/report"
)

// cmdReport shows a past run from its record in the store: the events it
// wrote (runs/<run>/events.jsonl) replayed as the plain CI log, its
// report.json, or one HTML page (internal/report): the stages in graph
// order with a timeline, the graph, their logs and the build published.
func cmdReport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("report", "[RUN]")
	var sf storeFlags
	sf.register(fs)
	// plain: the run's log as --progress plain printed it; json: its
	// report.json; html: one page.
	format := registerFormat(fs, "plain", "json", "html")
	output := fs.String("o", "", "write to this file instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("report takes at most one run, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	// Not store.Open: a report only reads, and must not make a store
	// where the user named the wrong directory.
	storeDir, err := sf.find()
	if err != nil {
		return err
	}
	st := &store.Store{Dir: storeDir}
	runs, err := st.Runs()
	if err == nil && len(runs) == 0 {
		err = errors.New("no run directories")
	}
	if err != nil {
		return usagef("%s has no runs (%v); name the store with --store", st.Dir, err)
	}
	run := ""
	if len(pos) == 1 {
		run, err = findRun(runs, pos[0])
	} else {
		run = runs[len(runs)-1] // run IDs start with their UTC start time
	}
	if err != nil {
		return err
	}
	dir := st.RunPath(run)

	w := a.stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch format.value {
	case "json":
		b, err := os.ReadFile(filepath.Join(dir, store.ReportFile))
		if err != nil {
			return fmt.Errorf("run %s has no report (it may still be running, or was killed): %w", run, err)
		}
		_, err = w.Write(b)
		return err
	case "html":
		abs, err := filepath.Abs(st.Dir)
		if err != nil {
			return err
		}
		page, err := report.NewRunPage(st, run, report.Links{Static: true, StoreDir: abs}, time.Now())
		if err != nil {
			return err
		}
		return report.WriteRun(w, page)
	}
	evs, err := report.ReadEvents(filepath.Join(dir, store.EventsFile))
	if err != nil {
		return err
	}
	r, err := progress.New(progress.Plain, w)
	if err != nil {
		return err
	}
	for _, e := range evs {
		r.Emit(e)
	}
	if err := r.Close(); err != nil {
		return err
	}
	fmt.Fprintf(w, "logs: %s\n", dir)
	return nil
}

// findRun picks the run named by an ID or a unique prefix of one.
func findRun(runs []string, name string) (string, error) {
	var match []string
	for _, r := range runs {
		if r == name {
			return r, nil
		}
		if strings.HasPrefix(r, name) {
			match = append(match, r)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		last := runs[max(0, len(runs)-3):]
		return "", usagef("no run %q in this store; the newest: %s", name, strings.Join(last, ", "))
	default:
		return "", usagef("%q names %d runs (%s); give more of the run ID", name, len(match), strings.Join(match, ", "))
	}
}
