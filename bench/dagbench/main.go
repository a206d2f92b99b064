package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets the project aims for (see the package comment).
const (
	targetColdOverMake   = 1.5
	targetColdOverGoTask = 0.5
	targetWarm           = 150 * time.Millisecond
)

type config struct {
	imgpipe string // path to the imgpipe binary
	task    string // path to a go-task binary; built when empty
	layers  int
	width   int
	jobs    int
	runs    int
	tools   []string
	keep    bool
	gen     string // only write the files into this directory
	check   bool   // exit 1 when a target is missed
}

func main() {
	var c config
	var tools string
	flag.StringVar(&c.imgpipe, "imgpipe", "bin/imgpipe", "imgpipe binary to time")
	flag.StringVar(&c.task, "task", "", "go-task binary to time (default: build github.com/go-task/task/v3/cmd/task at the version in go.mod)")
	flag.IntVar(&c.layers, "layers", 25, "layers in the graph")
	flag.IntVar(&c.width, "width", 20, "stages per layer")
	flag.IntVar(&c.jobs, "jobs", 2, "parallel jobs for every tool")
	flag.IntVar(&c.runs, "runs", 3, "runs of each tool; the best counts")
	flag.StringVar(&tools, "tools", "imgpipe,make,go-task", "comma-separated tools to time: imgpipe, make, go-task")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory")
	flag.StringVar(&c.gen, "gen", "", "write the recipe, Makefile and Taskfile into `dir` and exit")
	flag.BoolVar(&c.check, "check", false, "exit 1 if a target is missed")
	flag.Parse()
	c.tools = strings.Split(tools, ",")

	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "dagbench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if c.layers < 1 || c.width < 2 || c.jobs < 1 || c.runs < 1 {
		return errors.New("need -layers >= 1, -width >= 2, -jobs >= 1, -runs >= 1")
	}
	for _, t := range c.tools {
		if t != "imgpipe" && t != "make" && t != "go-task" {
			return fmt.Errorf("unknown tool %q in -tools", t)
		}
	}
	g := graph{layers: c.layers, width: c.width}

	if c.gen != "" {
		if err := g.write(c.gen); err != nil {
			return err
		}
		fmt.Println("wrote", filepath.Join(c.gen, "{recipe.hcl,Makefile,Taskfile.yml}"))
		return nil
	}

	dir, err := os.MkdirTemp("", "dagbench-")
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Println("files in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if err := g.write(dir); err != nil {
		return err
	}

	fmt.Printf("dagbench: %d stages (%d layers x %d), %d jobs, best of %d runs\n\n",
		g.layers*g.width, g.layers, g.width, c.jobs, c.runs)

	res := map[string]result{}
	var failed []string
	measure := func(name string, prepare func(i int) ([]string, error), argv func(i int) []string) {
		r, err := bestOf(c.runs, dir, prepare, argv)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dagbench: %s: %v\n", name, err)
			failed = append(failed, name)
			return
		}
		res[name] = r
	}

	if slices.Contains(c.tools, "make") {
		if _, err := exec.LookPath("make"); err != nil {
			fmt.Fprintln(os.Stderr, "dagbench: make: not installed (go tool task deps installs it)")
			failed = append(failed, "make")
		} else {
			measure("make", nil, func(int) []string {
				return []string{"make", "-s", "-j", fmt.Sprint(c.jobs), "-f", "Makefile"}
			})
		}
	}

	if slices.Contains(c.tools, "go-task") {
		taskBin := c.task
		if taskBin == "" {
			taskBin = filepath.Join(dir, "task")
			fmt.Println("building go-task (not timed) ...")
			if err := command(".", "go", "build", "-o", taskBin, "github.com/go-task/task/v3/cmd/task"); err != nil {
				fmt.Fprintln(os.Stderr, "dagbench: building go-task:", err)
				failed = append(failed, "go-task")
				taskBin = ""
			}
		}
		if taskBin != "" {
			measure("go-task", nil, func(int) []string {
				return []string{taskBin, "--silent", "--concurrency", fmt.Sprint(c.jobs), "--taskfile", "Taskfile.yml"}
			})
		}
	}

	if slices.Contains(c.tools, "imgpipe") {
		bin, err := filepath.Abs(c.imgpipe)
		if err == nil {
			_, err = os.Stat(bin)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "dagbench: imgpipe: %v (go tool task build makes bin/imgpipe)\n", err)
			failed = append(failed, "imgpipe")
		} else {
			imgpipe := func(store string) []string {
				return []string{bin, "run", "--jobs", fmt.Sprint(c.jobs), "--progress", "plain", "--store", store, "recipe.hcl"}
			}
			// Cold: a fresh store every run.
			measure("imgpipe cold", nil, func(i int) []string {
				return imgpipe(filepath.Join(dir, fmt.Sprintf("store-cold-%d", i)))
			})
			// Warm: fill one store untimed, then time runs against it.
			if _, ok := res["imgpipe cold"]; ok {
				warm := filepath.Join(dir, "store-warm")
				measure("imgpipe warm", func(i int) ([]string, error) {
					if i > 0 {
						return nil, nil
					}
					return imgpipe(warm), nil
				}, func(int) []string { return imgpipe(warm) })
			}
		}
	}

	report(os.Stdout, c, res)
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	if c.check && !meetsTargets(res) {
		return errors.New("a target was missed")
	}
	return nil
}

// graph is the benchmark's DAG: stage (l, i) for l < layers, i < width.
type graph struct{ layers, width int }

func name(l, i int) string { return fmt.Sprintf("l%02d_s%02d", l, i) }

// deps returns the two stages of the previous layer that (l, i) needs.
func (g graph) deps(l, i int) []string {
	if l == 0 {
		return nil
	}
	return []string{name(l-1, i), name(l-1, (i+1)%g.width)}
}

func (g graph) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"recipe.hcl":   g.recipe(),
		"Makefile":     g.makefile(),
		"Taskfile.yml": g.taskfile(),
	}
	for n, content := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (g graph) recipe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by bench/dagbench: %d layers x %d exec stages running /bin/true NAME.\n\n", g.layers, g.width)
	b.WriteString("build {\n  name    = \"dagbench\"\n  version = \"1\"\n  arches  = [\"x86_64\"]\n}\n")
	for l := range g.layers {
		for i := range g.width {
			fmt.Fprintf(&b, "\nstage \"exec\" %q {\n  command = [\"/bin/true\", %q]\n", name(l, i), name(l, i))
			if d := g.deps(l, i); d != nil {
				fmt.Fprintf(&b, "  depends_on = [stage.%s, stage.%s]\n", d[0], d[1])
			}
			b.WriteString("}\n")
		}
	}
	return b.String()
}

func (g graph) makefile() string {
	var b strings.Builder
	var all, last []string
	for l := range g.layers {
		for i := range g.width {
			all = append(all, name(l, i))
			if l == g.layers-1 {
				last = append(last, name(l, i))
			}
		}
	}
	fmt.Fprintf(&b, "# Generated by bench/dagbench: %d layers x %d targets running /bin/true NAME.\n", g.layers, g.width)
	fmt.Fprintf(&b, "all: %s\n", strings.Join(last, " "))
	fmt.Fprintf(&b, ".PHONY: all %s\n", strings.Join(all, " "))
	for l := range g.layers {
		for i := range g.width {
			fmt.Fprintf(&b, "%s:", name(l, i))
			for _, d := range g.deps(l, i) {
				fmt.Fprintf(&b, " %s", d)
			}
			fmt.Fprintf(&b, "\n\t@/bin/true %s\n", name(l, i))
		}
	}
	return b.String()
}

func (g graph) taskfile() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by bench/dagbench: %d layers x %d tasks running /bin/true NAME.\n", g.layers, g.width)
	// run: once, or a task that two others depend on runs twice.
	b.WriteString("version: '3'\nrun: once\nsilent: true\ntasks:\n  default:\n    deps: [")
	for i := range g.width {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name(g.layers-1, i))
	}
	b.WriteString("]\n")
	for l := range g.layers {
		for i := range g.width {
			fmt.Fprintf(&b, "  %s:\n", name(l, i))
			if d := g.deps(l, i); d != nil {
				fmt.Fprintf(&b, "    deps: [%s, %s]\n", d[0], d[1])
			}
			fmt.Fprintf(&b, "    cmds: [/bin/true %s]\n", name(l, i))
		}
	}
	return b.String()
}

// result holds the timings of one tool's runs.
type result struct{ times []time.Duration }

func (r result) best() time.Duration { return slices.Min(r.times) }

func (r result) median() time.Duration {
	s := slices.Clone(r.times)
	slices.Sort(s)
	return s[len(s)/2]
}

// bestOf runs argv(i) in dir n times and records each wall time. prepare, if
// not nil, returns a command to run untimed before run i (nil: none).
func bestOf(n int, dir string, prepare func(i int) ([]string, error), argv func(i int) []string) (result, error) {
	var r result
	for i := range n {
		if prepare != nil {
			pre, err := prepare(i)
			if err != nil {
				return r, err
			}
			if pre != nil {
				if err := command(dir, pre[0], pre[1:]...); err != nil {
					return r, fmt.Errorf("untimed run: %w", err)
				}
			}
		}
		a := argv(i)
		cmd := exec.Command(a[0], a[1:]...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return r, fmt.Errorf("%s: %w\n%s", strings.Join(a, " "), err, tail(out.String(), 20))
		}
		r.times = append(r.times, d)
	}
	return r, nil
}

// command runs name args in dir, untimed, showing its output only on failure.
func command(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 20))
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func report(w io.Writer, c config, res map[string]result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tool\tbest\tmedian\truns\tcommand")
	commands := map[string]string{
		"make":         fmt.Sprintf("make -j%d", c.jobs),
		"go-task":      fmt.Sprintf("task --concurrency %d", c.jobs),
		"imgpipe cold": fmt.Sprintf("imgpipe run --jobs %d (fresh store)", c.jobs),
		"imgpipe warm": fmt.Sprintf("imgpipe run --jobs %d (all cached)", c.jobs),
	}
	for _, n := range []string{"make", "go-task", "imgpipe cold", "imgpipe warm"} {
		if r, ok := res[n]; ok {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", n, ms(r.best()), ms(r.median()), len(r.times), commands[n])
		}
	}
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tvalue\ttarget\t")
	cold, haveCold := res["imgpipe cold"]
	ratio := func(label, other string, target float64) {
		o, ok := res[other]
		if !haveCold || !ok {
			fmt.Fprintf(tw, "%s\t-\t<= %.1f\tnot measured\n", label, target)
			return
		}
		v := float64(cold.best()) / float64(o.best())
		fmt.Fprintf(tw, "%s\t%.2f\t<= %.1f\t%s\n", label, v, target, verdict(v <= target))
	}
	ratio("imgpipe cold / make", "make", targetColdOverMake)
	ratio("imgpipe cold / go-task", "go-task", targetColdOverGoTask)
	if warm, ok := res["imgpipe warm"]; ok {
		fmt.Fprintf(tw, "imgpipe warm\t%s\t<= %s\t%s\n", ms(warm.best()), ms(targetWarm), verdict(warm.best() <= targetWarm))
	} else {
		fmt.Fprintf(tw, "imgpipe warm\t-\t<= %s\tnot measured\n", ms(targetWarm))
	}
	tw.Flush()
}

// meetsTargets reports whether every target was measured and met.
func meetsTargets(res map[string]result) bool {
	cold, ok1 := res["imgpipe cold"]
	mk, ok2 := res["make"]
	gt, ok3 := res["go-task"]
	warm, ok4 := res["imgpipe warm"]
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false
	}
	return float64(cold.best()) <= targetColdOverMake*float64(mk.best()) &&
		float64(cold.best()) <= targetColdOverGoTask*float64(gt.best()) &&
		warm.best() <= targetWarm
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
}
