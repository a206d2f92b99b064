package quickrun

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
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
)

// Flags are the flags every quickstart bench takes.
type Flags struct {
	Imgpipe  string // the imgpipe binary to time
	Fixtures string // the fixtures directory, holding tree/<arch>/
	Example  string // the quickstart's directory
	Runs     int    // rounds; the medians count
	Check    bool   // exit 1 if the target is missed
}

// Register defines the flags on the default flag set; runs is the default
// number of rounds.
func Register(runs int, runsUsage string) *Flags {
	def := os.Getenv("IMGPIPE_FIXTURES")
	if def == "" {
		if d, err := os.UserCacheDir(); err == nil {
			def = filepath.Join(d, "imgpipe-fixtures")
		}
	}
	f := &Flags{}
	flag.StringVar(&f.Imgpipe, "imgpipe", "bin/imgpipe", "imgpipe binary to time")
	flag.StringVar(&f.Fixtures, "fixtures", def, "fixtures directory (holding tree/<arch>/)")
	flag.StringVar(&f.Example, "example", "examples/quickstart", "the quickstart's directory")
	flag.IntVar(&f.Runs, "runs", runs, runsUsage)
	flag.BoolVar(&f.Check, "check", false, "exit 1 if the target is missed")
	return f
}

// Setup checks the flags and returns the absolute imgpipe binary and the
// fixture install tree the quickstart's tree variable takes.
func (f *Flags) Setup() (imgpipe, tree string, err error) {
	if f.Runs < 1 {
		return "", "", errors.New("-runs must be at least 1")
	}
	if imgpipe, err = filepath.Abs(f.Imgpipe); err != nil {
		return "", "", err
	}
	if _, err := os.Stat(imgpipe); err != nil {
		return "", "", fmt.Errorf("%w (go tool task build makes bin/imgpipe)", err)
	}
	tree = filepath.Join(f.Fixtures, "tree")
	if _, err := os.Stat(filepath.Join(tree, "x86_64")); err != nil {
		return "", "", fmt.Errorf("no fixture tree (go tool task fixtures): %w", err)
	}
	return imgpipe, tree, nil
}

// Measure is one timed run: how long it took and the kinds of the stages
// it started.
type Measure struct {
	Took    time.Duration
	Started []string
}

// Run runs `imgpipe run --progress json -var tree=TREE ARGS... RECIPE` and
// times it.
func Run(imgpipe, tree, recipe string, args ...string) (Measure, error) {
	argv := append([]string{"run", "--progress", "json", "-var", "tree=" + tree}, args...)
	cmd := exec.Command(imgpipe, append(argv, recipe)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	m := Measure{Took: time.Since(start)}
	if err != nil {
		return m, fmt.Errorf("imgpipe run: %w\n%s", err, tail(stderr.Bytes()))
	}
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e events.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type == events.StageStarted {
			m.Started = append(m.Started, e.Kind)
		}
	}
	return m, nil
}

// Median is the median duration of ms.
func Median(ms []Measure) time.Duration {
	ds := make([]time.Duration, len(ms))
	for i, m := range ms {
		ds[i] = m.Took
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// MostStarted is the largest number of stages of the given kinds that one
// of the runs started.
func MostStarted(ms []Measure, kinds ...string) int {
	most := 0
	for _, m := range ms {
		n := 0
		for _, k := range m.Started {
			if slices.Contains(kinds, k) {
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
