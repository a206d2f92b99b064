package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/bench/internal/quickrun"
)

// targetRatio is the project's aim for a comment edit against a full run.
const targetRatio = 0.05

func main() {
	f := quickrun.Register(3, "rounds; the medians count")
	flag.Parse()
	ok, err := run(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cutoffbench:", err)
		os.Exit(1)
	}
	if f.Check && !ok {
		os.Exit(1)
	}
}

func run(f *quickrun.Flags) (bool, error) {
	imgpipe, tree, err := f.Setup()
	if err != nil {
		return false, err
	}
	recipe, err := os.ReadFile(filepath.Join(f.Example, "quickstart.hcl"))
	if err != nil {
		return false, err
	}
	ks, err := os.ReadFile(filepath.Join(f.Example, "quickstart.ks"))
	if err != nil {
		return false, err
	}
	withoutHello := bytes.Replace(ks, []byte("hello\n"), nil, 1)
	if bytes.Equal(withoutHello, ks) {
		return false, errors.New("quickstart.ks installs no package hello to remove")
	}
	var full, comment, pkg []quickrun.Measure
	for i := range f.Runs {
		dir, err := os.MkdirTemp("", "cutoffbench-")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		if err := os.WriteFile(filepath.Join(dir, "quickstart.hcl"), recipe, 0o644); err != nil {
			return false, err
		}
		steps := []struct {
			ks  []byte
			out *[]quickrun.Measure
		}{
			{ks, &full},
			{append([]byte("# a comment, round "+fmt.Sprint(i)+"\n"), ks...), &comment},
			{withoutHello, &pkg},
		}
		for _, s := range steps {
			if err := os.WriteFile(filepath.Join(dir, "quickstart.ks"), s.ks, 0o644); err != nil {
				return false, err
			}
			// The store is .imgpipe/ beside the recipe: each step reuses
			// what the ones before made.
			m, err := quickrun.Run(imgpipe, tree, filepath.Join(dir, "quickstart.hcl"))
			if err != nil {
				return false, err
			}
			*s.out = append(*s.out, m)
		}
	}
	vm := []string{"guest-install", "boot-verify"}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tmedian\tratio\tVM stages started")
	ref := quickrun.Median(full)
	for _, row := range []struct {
		name string
		ms   []quickrun.Measure
	}{{"full run", full}, {"comment edit", comment}, {"package removed", pkg}} {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%d\n", row.name, quickrun.Median(row.ms).Round(10*time.Millisecond), float64(quickrun.Median(row.ms))/float64(ref), quickrun.MostStarted(row.ms, vm...))
	}
	tw.Flush()
	ratio := float64(quickrun.Median(comment)) / float64(ref)
	ok := ratio <= targetRatio && quickrun.MostStarted(comment, vm...) == 0
	verdict := "ok"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Printf("\ncomment edit / full run  %.3f  <= %.2f and no VM  %s\n", ratio, targetRatio, verdict)
	return ok, nil
}
