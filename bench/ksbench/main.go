package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/kickstart"
)

const (
	targetPerFile = 2 * time.Millisecond
	targetSpeedup = 20.0
	heavyFile     = "fedora-live-jam_kde.ks"
)

func main() {
	imgpipe := flag.String("imgpipe", "bin/imgpipe", "imgpipe binary to time")
	corpus := flag.String("corpus", "kickstart/testdata/corpus", "the corpus: fedora-kickstarts/ and expected-F45/")
	runs := flag.Int("runs", 5, "rounds of each measurement; the best counts")
	refTime := flag.Duration("ksflatten-time", 260*time.Millisecond, "pykickstart ksflatten's time for "+heavyFile)
	ksflatten := flag.String("ksflatten", "", "time this command instead of using -ksflatten-time (sh -c; FILE is replaced by the kickstart's path)")
	check := flag.Bool("check", false, "exit 1 if a target is missed")
	one := flag.String("flatten-one", "", "flatten this file to standard output and exit (used to time a minimal process)")
	flag.Parse()
	if *one != "" {
		flattenOne(*one)
		return
	}
	ok, err := run(*imgpipe, *corpus, *runs, *refTime, *ksflatten)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ksbench:", err)
		os.Exit(1)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

func run(imgpipe, corpus string, runs int, refTime time.Duration, ksflatten string) (bool, error) {
	if runs < 1 {
		runs = 1
	}
	dir, err := filepath.Abs(filepath.Join(corpus, "fedora-kickstarts"))
	if err != nil {
		return false, err
	}
	files, err := includers(dir)
	if err != nil {
		return false, err
	}
	if len(files) == 0 {
		return false, fmt.Errorf("no kickstarts with %%include under %s", dir)
	}

	// In-process: read every file first, so the timing is parsing,
	// include lookup and rendering.
	srcs := map[string][]byte{}
	for _, f := range files {
		if srcs[f], err = os.ReadFile(f); err != nil {
			return false, err
		}
	}
	best := time.Duration(1<<63 - 1)
	var slowest time.Duration
	var slowestFile string
	matched, failed := 0, 0
	for r := 0; r < runs; r++ {
		matched, failed = 0, 0
		start := time.Now()
		for _, f := range files {
			t0 := time.Now()
			ks, diags := kickstart.Parse(f, srcs[f], kickstart.Options{Version: kickstart.F45, Resolver: kickstart.DirResolver{}})
			if diags.HasErrors() {
				failed++
				continue
			}
			out := ks.String()
			if d := time.Since(t0); r == runs-1 && d > slowest {
				slowest, slowestFile = d, f
			}
			rel, _ := filepath.Rel(dir, f)
			if want, err := os.ReadFile(filepath.Join(corpus, "expected-F45", rel+".flat")); err == nil && string(want) == out {
				matched++
			}
		}
		best = min(best, time.Since(start))
	}
	perFile := best / time.Duration(len(files))

	// As a process, from an empty working directory as Koji's builder.
	empty, err := os.MkdirTemp("", "ksbench")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(empty)
	heavy := filepath.Join(dir, heavyFile)
	bin, err := filepath.Abs(imgpipe)
	if err != nil {
		return false, err
	}
	proc, err := bestOf(runs, func() error {
		cmd := exec.Command(bin, "ks", "flatten", "-q", "-v", "F45", heavy)
		cmd.Dir = empty
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", bin, err, stderr.String())
		}
		want, err := os.ReadFile(filepath.Join(corpus, "expected-F45", heavyFile+".flat"))
		if err == nil && !bytes.Equal(out, want) {
			return fmt.Errorf("imgpipe ks flatten %s differs from pykickstart's output", heavyFile)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	self, err := os.Executable()
	if err != nil {
		return false, err
	}
	minimal, err := bestOf(runs, func() error {
		cmd := exec.Command(self, "-flatten-one", heavy)
		cmd.Dir = empty
		out, err := cmd.Output()
		if err != nil {
			return err
		}
		if len(out) == 0 {
			return fmt.Errorf("no output")
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("minimal process: %w", err)
	}
	refLabel := "pykickstart ksflatten (reference)"
	if ksflatten != "" {
		refLabel = "pykickstart ksflatten (measured)"
		refTime, err = bestOf(runs, func() error {
			cmd := exec.Command("sh", "-c", strings.ReplaceAll(ksflatten, "FILE", heavy))
			cmd.Dir = empty
			return cmd.Run()
		})
		if err != nil {
			return false, fmt.Errorf("ksflatten: %w", err)
		}
	}

	speedup := refTime.Seconds() / proc.Seconds()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "measurement\ttime\tnote\n")
	fmt.Fprintf(w, "in-process, whole corpus\t%v\t%d files, %d match pykickstart, %d fail as expected (missing includes)\n", best.Round(time.Microsecond), len(files), matched, failed)
	fmt.Fprintf(w, "in-process, per file\t%v\tslowest %v (%s)\n", perFile.Round(time.Microsecond), slowest.Round(time.Microsecond), filepath.Base(slowestFile))
	fmt.Fprintf(w, "imgpipe ks flatten %s\t%v\twhole process, best of %d\n", heavyFile, proc.Round(time.Microsecond), runs)
	fmt.Fprintf(w, "minimal process (package kickstart only)\t%v\tbest of %d; the rest of imgpipe's process is start-up\n", minimal.Round(time.Microsecond), runs)
	fmt.Fprintf(w, "%s\t%v\t\n", refLabel, refTime.Round(time.Millisecond))
	w.Flush()
	ok := true
	fmt.Printf("\nper file: %v, target < %v: %s\n", perFile.Round(time.Microsecond), targetPerFile, verdict(perFile < targetPerFile, &ok))
	fmt.Printf("process: %.1fx faster than ksflatten, target >= %.0fx: %s\n", speedup, targetSpeedup, verdict(speedup >= targetSpeedup, &ok))
	fmt.Printf("minimal process: %.1fx faster than ksflatten\n", refTime.Seconds()/minimal.Seconds())
	return ok, nil
}

func verdict(met bool, ok *bool) string {
	if met {
		return "met"
	}
	*ok = false
	return "MISSED"
}

func bestOf(runs int, f func() error) (time.Duration, error) {
	best := time.Duration(1<<63 - 1)
	for i := 0; i < runs; i++ {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		best = min(best, time.Since(start))
	}
	return best, nil
}

// includers lists the .ks files under dir that have an %include line.
func includers(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".ks") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == "%include" {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	return out, err
}

// flattenOne is the minimal process: flatten one file as ksflatten does.
func flattenOne(path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ks, diags := kickstart.Parse(path, src, kickstart.Options{Version: kickstart.F45, Resolver: kickstart.DirResolver{WorkDir: "."}})
	if diags.HasErrors() {
		fmt.Fprintln(os.Stderr, diags.Error())
		os.Exit(2)
	}
	os.Stdout.WriteString(ks.String())
}
