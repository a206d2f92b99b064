package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
)

// targetRatio is the project's aim for a comment edit against a full run.
const targetRatio = 0.05

func main() {
	def := os.Getenv("IMGPIPE_FIXTURES")
	if def == "" {
		if d, err := os.UserCacheDir(); err == nil {
			def = filepath.Join(d, "imgpipe-fixtures")
		}
	}
	imgpipe := flag.String("imgpipe", "bin/imgpipe", "imgpipe binary to time")
	fixturesDir := flag.String("fixtures", def, "fixtures directory (holding tree/<arch>/)")
	example := flag.String("example", "examples/quickstart", "the quickstart's directory")
	runs := flag.Int("runs", 3, "rounds; the medians count")
	check := flag.Bool("check", false, "exit 1 if the target is missed")
	flag.Parse()
	ok, err := run(*imgpipe, *fixturesDir, *example, *runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cutoffbench:", err)
		os.Exit(1)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

// measure is one timed run: how long it took and the kinds of the stages
// it started.
type measure struct {
	took    time.Duration
	started []string
}

func run(imgpipe, fixturesDir, example string, runs int) (bool, error) {
	if runs < 1 {
		return false, errors.New("-runs must be at least 1")
	}
	imgpipe, err := filepath.Abs(imgpipe)
	if err != nil {
		return false, err
	}
	tree := filepath.Join(fixturesDir, "tree")
	if _, err := os.Stat(filepath.Join(tree, "x86_64")); err != nil {
		return false, fmt.Errorf("no fixture tree (go tool task fixtures): %w", err)
	}
	recipe, err := os.ReadFile(filepath.Join(example, "quickstart.hcl"))
	if err != nil {
		return false, err
	}
	ks, err := os.ReadFile(filepath.Join(example, "quickstart.ks"))
	if err != nil {
		return false, err
	}
	withoutHello := bytes.Replace(ks, []byte("hello\n"), nil, 1)
	if bytes.Equal(withoutHello, ks) {
		return false, errors.New("quickstart.ks installs no package hello to remove")
	}
	var full, comment, pkg []measure
	for i := range runs {
		dir, err := os.MkdirTemp("", "cutoffbench-")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		write := func(text []byte) error {
			return os.WriteFile(filepath.Join(dir, "quickstart.ks"), text, 0o644)
		}
		if err := os.WriteFile(filepath.Join(dir, "quickstart.hcl"), recipe, 0o644); err != nil {
			return false, err
		}
		steps := []struct {
			ks  []byte
			out *[]measure
		}{
			{ks, &full},
			{append([]byte("# a comment, round "+fmt.Sprint(i)+"\n"), ks...), &comment},
			{withoutHello, &pkg},
		}
		for _, s := range steps {
			if err := write(s.ks); err != nil {
				return false, err
			}
			m, err := timeRun(imgpipe, dir, tree)
			if err != nil {
				return false, err
			}
			*s.out = append(*s.out, m)
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tmedian\tratio\tVM stages started")
	ref := median(full)
	for _, row := range []struct {
		name string
		ms   []measure
	}{{"full run", full}, {"comment edit", comment}, {"package removed", pkg}} {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%d\n", row.name, median(row.ms).Round(10*time.Millisecond), float64(median(row.ms))/float64(ref), vmStarts(row.ms))
	}
	tw.Flush()
	ratio := float64(median(comment)) / float64(ref)
	ok := ratio <= targetRatio && vmStarts(comment) == 0
	verdict := "ok"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Printf("\ncomment edit / full run  %.3f  <= %.2f and no VM  %s\n", ratio, targetRatio, verdict)
	return ok, nil
}

// timeRun runs the quickstart in dir, with its store there.
func timeRun(imgpipe, dir, tree string) (measure, error) {
	cmd := exec.Command(imgpipe, "run", "--progress", "json", "-var", "tree="+tree, filepath.Join(dir, "quickstart.hcl"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	m := measure{took: time.Since(start)}
	if err != nil {
		return m, fmt.Errorf("imgpipe run: %w\n%s", err, tail(stderr.Bytes()))
	}
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e events.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type == events.StageStarted {
			m.started = append(m.started, e.Kind)
		}
	}
	return m, nil
}

func median(ms []measure) time.Duration {
	ds := make([]time.Duration, len(ms))
	for i, m := range ms {
		ds[i] = m.took
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// vmStarts counts the guest-install and boot-verify stages the runs
// started, at most.
func vmStarts(ms []measure) int {
	most := 0
	for _, m := range ms {
		n := 0
		for _, k := range m.started {
			if k == "guest-install" || k == "boot-verify" {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
