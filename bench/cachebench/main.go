package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/bench/internal/quickrun"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// targetRatio is issue 17's aim: store B's run against store A's.
const targetRatio = 0.10

func main() {
	f := quickrun.Register(1, "rounds (each a full run and a pulling one); the medians count")
	flag.Parse()
	ok, err := run(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cachebench:", err)
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
	dir, err := os.MkdirTemp("", "cachebench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"quickstart.hcl", "quickstart.ks"} {
		b, err := os.ReadFile(filepath.Join(f.Example, name))
		if err != nil {
			return false, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return false, err
		}
	}
	recipe := filepath.Join(dir, "quickstart.hcl")
	var full, pulled []quickrun.Measure
	for i := range f.Runs {
		reg, err := podmantest.RunRegistry(filepath.Join(dir, fmt.Sprintf("registry-%d", i)))
		if err != nil {
			return false, err
		}
		ref := fmt.Sprintf("oci://%s/bench/quickstart", reg.Addr)
		a, err := quickrun.Run(imgpipe, tree, recipe, "--store", filepath.Join(dir, fmt.Sprintf("a-%d", i)), "--cache-to", ref)
		if err == nil {
			full = append(full, a)
			var b quickrun.Measure
			b, err = quickrun.Run(imgpipe, tree, recipe, "--store", filepath.Join(dir, fmt.Sprintf("b-%d", i)), "--cache-from", ref)
			pulled = append(pulled, b)
		}
		reg.Stop()
		if err != nil {
			return false, err
		}
	}
	heavy := []string{"guest-install", "boot-verify", "convert"}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tmedian\tratio\tVM and convert stages started")
	ref := quickrun.Median(full)
	for _, row := range []struct {
		name string
		ms   []quickrun.Measure
	}{{"store A: full run, pushing", full}, {"store B: same recipe, pulling", pulled}} {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%d\n", row.name, quickrun.Median(row.ms).Round(10*time.Millisecond), float64(quickrun.Median(row.ms))/float64(ref), quickrun.MostStarted(row.ms, heavy...))
	}
	tw.Flush()
	ratio := float64(quickrun.Median(pulled)) / float64(ref)
	ok := ratio <= targetRatio && quickrun.MostStarted(pulled, heavy...) == 0
	verdict := "ok"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Printf("\nstore B / store A  %.3f  <= %.2f and no VM or convert  %s\n", ratio, targetRatio, verdict)
	return ok, nil
}
