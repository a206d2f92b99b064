package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/internal/bigconfig"
	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

const (
	targetRatio = 2.6
	targetFast  = time.Second
)

// scaling is a case timed at n and 2n.
type scaling struct {
	kind, ext string
	n         int
}

var scalings = []scaling{
	{"ini-unknown-keys", ".ini", 20000},
	{"ini-unknown-refs", ".ini", 4000},
	{"recipe-locals", ".hcl", 10000},
	{"recipe-locals-reversed", ".hcl", 10000},
	{"recipe-undeclared", ".hcl", 10000},
	{"recipe-bytes", ".hcl", 400_000},
}

// refusal is an input over a limit, which must fail fast with exit 2;
// fits is one that must be read (exit 0), quickly too.
type refusal struct {
	name, kind, ext string
	n               int
	fits            bool
}

var refusals = []refusal{
	{"50 MB recipe", "recipe-bytes", ".hcl", 50 << 20, false},
	{"100,000-deep expression", "recipe-nesting", ".hcl", 100_000, false},
	{"4 MB heredoc", "recipe-heredoc", ".hcl", 4 << 20 / 32, false},
	{"20,000-line heredoc (800 KB)", "recipe-heredoc", ".hcl", 20_000, false},
	{"heredoc at the limit", "recipe-heredoc", ".hcl", inputlimit.TemplateLines - 10, true},
	{"2,000 unknown INI keys", "ini-unknown-keys", ".ini", 2000, false},
}

func main() {
	imgpipe := flag.String("imgpipe", "bin/imgpipe", "imgpipe binary to time")
	runs := flag.Int("runs", 3, "runs of each measurement; the best counts")
	check := flag.Bool("check", false, "exit 1 if a target is missed")
	flag.Parse()
	ok, err := run(*imgpipe, max(1, *runs))
	if err != nil {
		fmt.Fprintln(os.Stderr, "validatebench:", err)
		os.Exit(1)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

func run(imgpipe string, runs int) (bool, error) {
	imgpipe, err := filepath.Abs(imgpipe)
	if err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp("", "validatebench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	ok := true
	fmt.Printf("validatebench: imgpipe validate, best of %d runs\n\n", runs)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "case\tN\tt(N)\tt(2N)\tratio\ttarget")
	for _, s := range scalings {
		var t [2]time.Duration
		for i, n := range []int{s.n, 2 * s.n} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d%s", s.kind, n, s.ext))
			if err := bigconfig.WriteFile(path, s.kind, n); err != nil {
				return false, err
			}
			if t[i], err = bestOf(runs, imgpipe, path, -1); err != nil {
				return false, fmt.Errorf("%s: %w", s.kind, err)
			}
		}
		ratio := t[1].Seconds() / t[0].Seconds()
		fmt.Fprintf(w, "%s\t%d\t%v\t%v\t%.2f\t<= %.1f: %s\n", s.kind, s.n, round(t[0]), round(t[1]), ratio, targetRatio, verdict(ratio <= targetRatio, &ok))
	}
	w.Flush()
	fmt.Println()
	w = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "input\texit\ttime\ttarget")
	for _, r := range refusals {
		path := filepath.Join(dir, r.kind+"-limit"+r.ext)
		if err := bigconfig.WriteFile(path, r.kind, r.n); err != nil {
			return false, err
		}
		want := 2
		if r.fits {
			want = 0
		}
		t, err := bestOf(runs, imgpipe, path, want)
		if err != nil {
			return false, fmt.Errorf("%s: %w", r.name, err)
		}
		fmt.Fprintf(w, "%s\t%d\t%v\t< %v: %s\n", r.name, want, round(t), targetFast, verdict(t < targetFast, &ok))
	}
	w.Flush()
	return ok, nil
}

// bestOf runs `imgpipe validate path` runs times and returns the fastest.
// It fails unless the exit status is want (any, when want < 0).
func bestOf(runs int, imgpipe, path string, want int) (time.Duration, error) {
	best := time.Duration(1<<63 - 1)
	for range runs {
		cmd := exec.Command(imgpipe, "validate", path)
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		code := 0
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			code = ee.ExitCode()
		} else if err != nil {
			return 0, err
		}
		if want >= 0 && code != want {
			return 0, fmt.Errorf("imgpipe validate %s exited with %d, want %d", filepath.Base(path), code, want)
		}
		best = min(best, d)
	}
	return best, nil
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func verdict(met bool, ok *bool) string {
	if met {
		return "ok"
	}
	*ok = false
	return "MISSED"
}
