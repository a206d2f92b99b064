package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages"
)

// These tests run real exec stages (sh) through engine.Run. Each stage
// appends a line to a counter file in a directory outside the store, named
// after the stage (and its arch), so a test can tell how often it ran. In
// recipes, @M@ stands for that directory.

// env is one test's recipe directory, counter directory and store.
type env struct {
	t     *testing.T
	dir   string // where recipe.hcl and its local inputs live
	marks string // counter and marker files, outside the store
	store *store.Store
	// execs are the executors Prepare gave with each plan.
	execs map[*engine.Plan]*engine.Executors
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, dir: filepath.Join(root, "recipe"), marks: filepath.Join(root, "marks"), execs: map[*engine.Plan]*engine.Executors{}}
	for _, d := range []string{e.dir, e.marks} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	return e
}

// plan writes src to recipe.hcl and plans it as `imgpipe run` does, with
// local inputs hashed and sources resolved.
func (e *env) plan(src string) *engine.Plan {
	e.t.Helper()
	src = strings.ReplaceAll(src, "@M@", e.marks)
	path := filepath.Join(e.dir, "recipe.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		e.t.Fatal(err)
	}
	r, diags := recipe.Parse([]byte(src), path)
	if diags.HasErrors() {
		e.t.Fatalf("parse: %v", diags)
	}
	p, execs, diags := engine.NewPlanner(stages.All()).Prepare(context.Background(), r, engine.PrepareOptions{})
	if diags.HasErrors() {
		e.t.Fatalf("prepare: %v", diags)
	}
	e.execs[p] = execs
	return p
}

// result is what one run did, as seen through its return values, its event
// stream and the report it left in the store.
type result struct {
	plan    *engine.Plan
	sum     *engine.Summary
	err     error
	elapsed time.Duration
	events  []events.Event
	report  report
}

type report struct {
	Run    string   `json:"run"`
	Status string   `json:"status"`
	Failed []string `json:"failed"`
	Stages []struct {
		ID     string `json:"id"`
		Stage  string `json:"stage"`
		Arch   string `json:"arch"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"stages"`
}

type collector struct {
	mu     sync.Mutex
	events []events.Event
}

func (c *collector) Emit(e events.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

// run plans src and runs it against the env's store, then checks the
// store's invariants.
func (e *env) run(src string, opts engine.RunOptions) *result {
	e.t.Helper()
	p := e.plan(src)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var c collector
	opts.Events = &c
	start := time.Now()
	sum, err := engine.Run(ctx, p, e.execs[p], e.store, opts)
	res := &result{plan: p, sum: sum, err: err, elapsed: time.Since(start)}
	if sum == nil {
		e.t.Fatalf("Run returned no summary: %v", err)
	}
	c.mu.Lock()
	res.events = slices.Clone(c.events)
	c.mu.Unlock()
	res.report = e.checkStore(sum.RunID)
	return res
}

// checkStore checks what every run must leave behind: whole objects only
// (each with its result.json), no temporary directories, and the run's
// event log and report. It returns the report.
func (e *env) checkStore(runID string) report {
	e.t.Helper()
	objs, err := os.ReadDir(filepath.Join(e.store.Dir, "objects"))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range objs {
		// objects/<id>/ holds the outputs and result.json, written last;
		// objects/<id>.json is the record of a stage without outputs.
		id := o.Name()
		if o.Type()&os.ModeSymlink != 0 {
			// An alias of an object made with the same content key.
			id = strings.TrimSuffix(id, ".json")
			if res, ok, err := e.store.Lookup(id); err != nil || !ok || res.ID != e.store.Target(id) {
				e.t.Errorf("objects/%s: an alias of no object (ok=%v, err=%v)", o.Name(), ok, err)
			}
			continue
		}
		if !o.IsDir() {
			var ok bool
			if id, ok = strings.CutSuffix(id, ".json"); !ok {
				e.t.Errorf("objects/%s is neither an object directory nor a record", o.Name())
				continue
			}
		} else if _, err := os.Stat(filepath.Join(e.store.ObjectDir(id), store.ResultFile)); err != nil {
			e.t.Errorf("object %s is incomplete: %v", id, err)
			continue
		}
		res, ok, err := e.store.Lookup(id)
		if err != nil || !ok {
			e.t.Errorf("objects/%s: no readable record (ok=%v, err=%v)", o.Name(), ok, err)
			continue
		}
		if res.ID != id {
			e.t.Errorf("objects/%s: the record names object %s", o.Name(), res.ID)
		}
	}
	e.checkTmpClean()

	runDir := filepath.Join(e.store.Dir, "runs", runID)
	f, err := os.Open(filepath.Join(runDir, "events.jsonl"))
	if err != nil {
		e.t.Fatalf("event log: %v", err)
	}
	defer f.Close()
	var types []events.Type
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev events.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			e.t.Fatalf("events.jsonl: %q: %v", sc.Text(), err)
		}
		if ev.Run != runID {
			e.t.Errorf("events.jsonl: event of run %q in run %q", ev.Run, runID)
		}
		types = append(types, ev.Type)
	}
	if len(types) < 2 || types[0] != events.RunStarted || types[len(types)-1] != events.RunFinished {
		e.t.Errorf("events.jsonl should go from %s to %s, has %v", events.RunStarted, events.RunFinished, types)
	}

	b, err := os.ReadFile(filepath.Join(runDir, "report.json"))
	if err != nil {
		e.t.Fatalf("report: %v", err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		e.t.Fatalf("report.json: %v", err)
	}
	if rep.Run != runID {
		e.t.Errorf("report.json is for run %q, want %q", rep.Run, runID)
	}
	return rep
}

// checkTmpClean checks that tmp/ holds no pending or moved-aside objects
// and no run's scratch directory: only the lock file may stay.
func (e *env) checkTmpClean() {
	e.t.Helper()
	tmp, err := os.ReadDir(filepath.Join(e.store.Dir, "tmp"))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range tmp {
		if f.Name() != "locks" && !strings.HasSuffix(f.Name(), ".lock") {
			e.t.Errorf("store tmp/ has a leftover: %s", f.Name())
		}
	}
}

// count returns how many times the stage behind counter file name ran.
func (e *env) count(name string) int {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.marks, name))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

func (e *env) wantCounts(want map[string]int) {
	e.t.Helper()
	for name, n := range want {
		if got := e.count(name); got != n {
			e.t.Errorf("stage %s ran %d times, want %d", name, got, n)
		}
	}
}

// status returns the report's status for stage name on arch.
func (r *result) status(t *testing.T, name, arch string) string {
	t.Helper()
	node := r.plan.Instances[name][arch]
	if node == nil {
		t.Fatalf("no instance of %s for %s", name, arch)
	}
	for _, s := range r.report.Stages {
		if s.ID == node.ID {
			return s.Status
		}
	}
	t.Fatalf("report.json has no entry for %s [%s]", name, node.Arch)
	return ""
}

// wantStatus checks each stage's status on arch; want maps stage names to
// "done", "cached", "failed" or "skipped".
func (r *result) wantStatus(t *testing.T, arch string, want map[string]string) {
	t.Helper()
	for name, st := range want {
		if got := r.status(t, name, arch); got != st {
			t.Errorf("stage %s [%s] is %s, want %s", name, arch, got, st)
		}
	}
}

// entry returns the report entry of stage name on arch.
func (r *result) errorOf(t *testing.T, name, arch string) string {
	t.Helper()
	id := r.plan.Instances[name][arch].ID
	for _, s := range r.report.Stages {
		if s.ID == id {
			return s.Error
		}
	}
	return ""
}

// hasObject reports whether the store has any trace of object id under
// objects/.
func (e *env) hasObject(id string) bool {
	objs, err := os.ReadDir(filepath.Join(e.store.Dir, "objects"))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range objs {
		if strings.HasPrefix(o.Name(), id) {
			return true
		}
	}
	return false
}

// output reads file output name of the object id.
func (e *env) output(id, name string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.store.ObjectDir(id), name))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// waitGone polls until process pid no longer exists (or is a zombie that
// nobody reaps: it runs nothing any more).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) || isZombie(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d is still alive (kill 0: %v)", pid, err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...; comm may contain spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func (e *env) readPid(name string) int {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.marks, name))
	if err != nil {
		e.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		e.t.Fatal(err)
	}
	return pid
}

// One stage waits for the other's marker file and the other way round:
// both finish only if they run at the same time.
func TestRunJobsRunsStagesInParallel(t *testing.T) {
	e := newEnv(t)
	res := e.run(`
locals {
  rendezvous = <<-EOT
    touch "$M/$ME.ready"
    i=0
    while [ ! -e "$M/$OTHER.ready" ]; do
      i=$((i+1))
      if [ $i -gt 400 ]; then echo "$OTHER never started" >&2; exit 1; fi
      sleep 0.05
    done
    echo >>"$M/$ME"
    EOT
}
build {
  name    = "parallel"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "a" {
  env     = { M = "@M@", ME = "a", OTHER = "b" }
  command = ["sh", "-euc", local.rendezvous]
}
stage "exec" "b" {
  env     = { M = "@M@", ME = "b", OTHER = "a" }
  command = ["sh", "-euc", local.rendezvous]
}
`, engine.RunOptions{Jobs: 2})
	if res.err != nil {
		t.Fatalf("run: %v", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"a": "done", "b": "done"})
	e.wantCounts(map[string]int{"a": 1, "b": 1})
}

// With one job, a stage never sees another one running, and the event
// stream never has two stages started and not yet finished.
func TestRunOneJobRunsStagesOneAtATime(t *testing.T) {
	e := newEnv(t)
	res := e.run(`
locals {
  watch = <<-EOT
    touch "$M/$ME.running"
    i=0
    while [ $i -lt 8 ]; do
      for f in "$M"/*.running; do
        if [ "$f" != "$M/$ME.running" ]; then echo "$ME saw $f" >>"$M/overlap"; fi
      done
      i=$((i+1))
      sleep 0.05
    done
    rm "$M/$ME.running"
    echo >>"$M/$ME"
    EOT
}
build {
  name    = "serial"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "a" {
  env     = { M = "@M@", ME = "a" }
  command = ["sh", "-euc", local.watch]
}
stage "exec" "b" {
  env     = { M = "@M@", ME = "b" }
  command = ["sh", "-euc", local.watch]
}
`, engine.RunOptions{Jobs: 1})
	if res.err != nil {
		t.Fatalf("run: %v", res.err)
	}
	e.wantCounts(map[string]int{"a": 1, "b": 1})
	if b, err := os.ReadFile(filepath.Join(e.marks, "overlap")); err == nil {
		t.Errorf("stages overlapped with --jobs 1:\n%s", b)
	}
	running := 0
	for _, ev := range res.events {
		switch ev.Type {
		case events.StageStarted:
			running++
			if running > 1 {
				t.Errorf("%s started while another stage was running", ev.Stage)
			}
		case events.StageDone, events.StageFailed:
			running--
		}
	}
}

// An exec stage that does not use arch runs once for every arch; one that
// does runs once per arch, and so does everything that uses its outputs.
func TestRunDedupesArchIndependentStages(t *testing.T) {
	e := newEnv(t)
	src := `
build {
  name    = "dedupe"
  version = "1"
  arches  = ["x86_64", "aarch64", "ppc64le"]
}
stage "exec" "src" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/src\"; echo src >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "per" {
  env     = { M = "@M@", ARCH = arch }
  command = ["sh", "-euc", "echo >>\"$M/per-$ARCH\"; { cat \"$1\"; echo \"$ARCH\"; } >\"$IMGPIPE_OUT/out\"", "sh", stage.src.out]
  outputs = ["out"]
}
# No arch in its config, but its input differs per arch.
stage "exec" "post" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/post\"; cp \"$1\" \"$IMGPIPE_OUT/out\"", "sh", stage.per.out]
  outputs = ["out"]
}
# Two arches share one configuration, the third has its own.
stage "exec" "family" {
  env     = { M = "@M@", FAMILY = arch == "ppc64le" ? "power" : "other" }
  command = ["sh", "-euc", "echo >>\"$M/family-$FAMILY\""]
  depends_on = [stage.src]
}
`
	res := e.run(src, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("run: %v", res.err)
	}
	e.wantCounts(map[string]int{
		"src":          1,
		"per-x86_64":   1,
		"per-aarch64":  1,
		"per-ppc64le":  1,
		"post":         3,
		"family-other": 1,
		"family-power": 1,
	})
	if n := res.plan.Instances["src"]["x86_64"]; n.Arch != kind.NoArch {
		t.Errorf("src is planned for %q, want %q", n.Arch, kind.NoArch)
	}
	if n := res.plan.Instances["family"]["x86_64"]; n.Arch != "x86_64+aarch64" {
		t.Errorf("family is planned for %q, want x86_64+aarch64", n.Arch)
	}
	if res.sum.Done != 1+3+3+2 || res.sum.Cached != 0 {
		t.Errorf("summary: done %d, cached %d; want 9 done", res.sum.Done, res.sum.Cached)
	}
	// stage.queued names what each instance needs: the graph, for reports.
	needs := map[string]string{}
	for _, ev := range res.events {
		if ev.Type == events.StageQueued {
			needs[ev.Stage+" ["+ev.Arch+"]"] = strings.Join(ev.Needs, ", ")
		}
	}
	for key, want := range map[string]string{
		"src [noarch]":            "",
		"per [aarch64]":           "src [noarch]",
		"post [ppc64le]":          "per [ppc64le]",
		"family [x86_64+aarch64]": "src [noarch]",
	} {
		if got, ok := needs[key]; !ok || got != want {
			t.Errorf("stage.queued of %s needs %q, want %q", key, got, want)
		}
	}
	for _, arch := range []string{"x86_64", "aarch64", "ppc64le"} {
		got := e.output(res.plan.Instances["post"][arch].ID, "out")
		if want := "src\n" + arch + "\n"; got != want {
			t.Errorf("post [%s] wrote %q, want %q", arch, got, want)
		}
	}

	// Everything is cached now.
	res = e.run(src, engine.RunOptions{})
	if res.err != nil || res.sum.Done != 0 || res.sum.Cached != 9 {
		t.Errorf("second run: done %d, cached %d, err %v; want all 9 cached", res.sum.Done, res.sum.Cached, res.err)
	}
	e.wantCounts(map[string]int{"src": 1, "post": 3})
}

// A failed run keeps what succeeded; the next run, once the cause is fixed,
// runs only the failed stage and what follows it.
func TestRunResumesAfterFailure(t *testing.T) {
	e := newEnv(t)
	src := `
build {
  name    = "resume"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "a" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/a\"; echo a >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "d" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/d\"", "sh", stage.a.out]
}
stage "exec" "b" {
  env        = { M = "@M@" }
  command    = ["sh", "-euc", "echo >>\"$M/b\"; echo partial >\"$IMGPIPE_OUT/out\"; test -e \"$M/flag\" || { echo no flag >&2; exit 3; }", "sh", stage.a.out]
  outputs    = ["out"]
  depends_on = [stage.d]
}
stage "exec" "c" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/c\"", "sh", stage.b.out]
}
`
	res := e.run(src, engine.RunOptions{})
	var bf *engine.BuildFailedError
	if !errors.As(res.err, &bf) || !slices.Equal(bf.Failed, []string{"x86_64"}) {
		t.Fatalf("first run: err %v, want a BuildFailedError for x86_64", res.err)
	}
	if res.sum.Status != "failed" || res.report.Status != "failed" {
		t.Errorf("status %q, report status %q; want failed", res.sum.Status, res.report.Status)
	}
	res.wantStatus(t, "x86_64", map[string]string{"a": "done", "d": "done", "b": "failed", "c": "skipped"})
	if msg := res.errorOf(t, "b", "x86_64"); !strings.Contains(msg, "exited with status 3") {
		t.Errorf("b's error is %q, want its exit status", msg)
	}
	e.wantCounts(map[string]int{"a": 1, "d": 1, "b": 1, "c": 0})
	bID := res.plan.Instances["b"]["x86_64"].ID
	if e.hasObject(bID) {
		t.Errorf("failed stage b left an object")
	}
	if !e.hasObject(res.plan.Instances["a"]["x86_64"].ID) {
		t.Errorf("stage a left no object")
	}

	if err := os.WriteFile(filepath.Join(e.marks, "flag"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res = e.run(src, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("second run: %v", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"a": "cached", "d": "cached", "b": "done", "c": "done"})
	e.wantCounts(map[string]int{"a": 1, "d": 1, "b": 2, "c": 1})
	if res.sum.Cached != 2 || res.sum.Done != 2 {
		t.Errorf("summary: cached %d, done %d; want 2 and 2", res.sum.Cached, res.sum.Done)
	}
	if !e.hasObject(bID) {
		t.Errorf("stage b left no object")
	}
}

// Editing a local input reruns its stage and what uses its outputs, and
// nothing else; undoing the edit finds the first objects again.
func TestRunLocalInputEditRerunsDependents(t *testing.T) {
	e := newEnv(t)
	files := filepath.Join(e.dir, "files")
	if err := os.MkdirAll(filepath.Join(files, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	motd := filepath.Join(files, "etc", "motd")
	write := func(s string) {
		if err := os.WriteFile(motd, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hello\n")
	src := `
build {
  name    = "inputs"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "tree" {
  inputs  = ["./files"]
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/tree\"; cp -R files \"$IMGPIPE_OUT/root\""]
  outputs = ["root"]
}
stage "exec" "disk" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/disk\"; cp \"$1/etc/motd\" \"$IMGPIPE_OUT/motd\"", "sh", stage.tree.root]
  outputs = ["motd"]
}
stage "exec" "other" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/other\"; echo x >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "other2" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/other2\"", "sh", stage.other.out]
}
`
	motdOf := func(res *result) string {
		return e.output(res.plan.Instances["disk"]["x86_64"].ID, "motd")
	}

	res := e.run(src, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("first run: %v", res.err)
	}
	e.wantCounts(map[string]int{"tree": 1, "disk": 1, "other": 1, "other2": 1})

	res = e.run(src, engine.RunOptions{})
	if res.err != nil || res.sum.Cached != 4 {
		t.Fatalf("unchanged rerun: cached %d, err %v; want all 4 cached", res.sum.Cached, res.err)
	}
	e.wantCounts(map[string]int{"tree": 1, "disk": 1, "other": 1, "other2": 1})

	write("changed\n")
	res = e.run(src, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("run after edit: %v", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"tree": "done", "disk": "done", "other": "cached", "other2": "cached"})
	e.wantCounts(map[string]int{"tree": 2, "disk": 2, "other": 1, "other2": 1})
	if got := motdOf(res); got != "changed\n" {
		t.Errorf("disk has motd %q after the edit", got)
	}

	write("hello\n")
	res = e.run(src, engine.RunOptions{})
	if res.err != nil || res.sum.Cached != 4 {
		t.Errorf("run after undoing the edit: cached %d, err %v; want all 4 cached", res.sum.Cached, res.err)
	}
	e.wantCounts(map[string]int{"tree": 2, "disk": 2, "other": 1, "other2": 1})
	if got := motdOf(res); got != "hello\n" {
		t.Errorf("disk has motd %q after undoing the edit", got)
	}
}

// Force reruns the stages whose names match, and only those.
func TestRunForce(t *testing.T) {
	e := newEnv(t)
	src := `
build {
  name    = "force"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "prep" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/prep\"; echo p >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "build-a" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/build-a\"; echo a >\"$IMGPIPE_OUT/out\"", "sh", stage.prep.out]
  outputs = ["out"]
}
stage "exec" "build-b" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/build-b\"", "sh", stage.prep.out]
}
stage "exec" "final" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/final\"", "sh", stage["build-a"].out]
}
`
	res := e.run(src, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("first run: %v", res.err)
	}
	e.wantCounts(map[string]int{"prep": 1, "build-a": 1, "build-b": 1, "final": 1})

	res = e.run(src, engine.RunOptions{Force: []string{"*"}})
	if res.err != nil {
		t.Fatalf("--force: %v", res.err)
	}
	e.wantCounts(map[string]int{"prep": 2, "build-a": 2, "build-b": 2, "final": 2})
	if res.sum.Done != 4 {
		t.Errorf("--force: %d stages done, want 4", res.sum.Done)
	}

	res = e.run(src, engine.RunOptions{Force: []string{"build-*"}})
	if res.err != nil {
		t.Fatalf("--force=build-*: %v", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"prep": "cached", "build-a": "done", "build-b": "done", "final": "cached"})
	e.wantCounts(map[string]int{"prep": 2, "build-a": 3, "build-b": 3, "final": 2})
	// The rebuilt object replaced the old one.
	obj, ok, err := e.store.Lookup(res.plan.Instances["build-a"]["x86_64"].ID)
	if err != nil || !ok || obj.Run != res.sum.RunID {
		t.Errorf("build-a's object is from run %v (ok %v, err %v), want %s", obj, ok, err, res.sum.RunID)
	}
}

// A stage over its timeout is killed and fails with a timeout error, soon
// after the timeout, and leaves no object.
func TestRunStageTimeout(t *testing.T) {
	e := newEnv(t)
	res := e.run(`
build {
  name    = "timeout"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "slow" {
  timeout = "1s"
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo $$ >\"$M/pid\"; echo partial >\"$IMGPIPE_OUT/out\"; exec sleep 60"]
  outputs = ["out"]
}
`, engine.RunOptions{})
	var bf *engine.BuildFailedError
	if !errors.As(res.err, &bf) {
		t.Fatalf("err %v, want a BuildFailedError", res.err)
	}
	if res.elapsed > 8*time.Second {
		t.Errorf("the run took %s with a 1s timeout", res.elapsed)
	}
	res.wantStatus(t, "x86_64", map[string]string{"slow": "failed"})
	msg := res.errorOf(t, "slow", "x86_64")
	if !strings.Contains(msg, "timed out after 1s") {
		t.Errorf("error %q does not say the stage timed out", msg)
	}
	var failed *events.Event
	for i, ev := range res.events {
		if ev.Type == events.StageFailed {
			failed = &res.events[i]
		}
	}
	if failed == nil || !strings.Contains(failed.Error, "timed out after 1s") {
		t.Errorf("stage.failed event %+v does not say the stage timed out", failed)
	}
	if e.hasObject(res.plan.Instances["slow"]["x86_64"].ID) {
		t.Errorf("the timed-out stage left an object")
	}
	waitGone(t, e.readPid("pid"))
}

func TestRunCanFail(t *testing.T) {
	// Fails for the arches in FAIL (a space-separated list).
	const failing = `
stage "exec" "s" {
  env     = { M = "@M@", ARCH = arch }
  command = ["sh", "-euc", "echo >>\"$M/s-$ARCH\"; case \" $FAIL \" in *\" $ARCH \"*) exit 1;; esac"]
}
`
	build := func(canFail, fail string) string {
		return `
locals { fail = "` + fail + `" }
build {
  name     = "canfail"
  version  = "1"
  arches   = ["x86_64", "aarch64"]
  can_fail = [` + canFail + `]
}` + strings.Replace(failing, "ARCH = arch", "ARCH = arch, FAIL = local.fail", 1)
	}

	t.Run("tolerated", func(t *testing.T) {
		e := newEnv(t)
		res := e.run(build(`"aarch64"`, "aarch64"), engine.RunOptions{})
		if res.err != nil {
			t.Fatalf("a failing can_fail arch failed the run: %v", res.err)
		}
		if res.sum.Status != "succeeded" || !slices.Equal(res.sum.Tolerated, []string{"aarch64"}) || !slices.Equal(res.sum.Failed, []string{"aarch64"}) {
			t.Errorf("summary: status %s, failed %v, tolerated %v; want succeeded, aarch64 tolerated", res.sum.Status, res.sum.Failed, res.sum.Tolerated)
		}
		res.wantStatus(t, "x86_64", map[string]string{"s": "done"})
		res.wantStatus(t, "aarch64", map[string]string{"s": "failed"})
		if !slices.Equal(res.report.Failed, []string{"aarch64"}) {
			t.Errorf("report.json lists failed arches %v, want aarch64", res.report.Failed)
		}
	})

	t.Run("all arches fail", func(t *testing.T) {
		e := newEnv(t)
		res := e.run(build(`"x86_64", "aarch64"`, "x86_64 aarch64"), engine.RunOptions{})
		var bf *engine.BuildFailedError
		if !errors.As(res.err, &bf) {
			t.Fatalf("err %v, want a BuildFailedError although every arch may fail", res.err)
		}
		if !slices.Equal(bf.Failed, []string{"x86_64", "aarch64"}) {
			t.Errorf("BuildFailedError.Failed = %v, want both arches", bf.Failed)
		}
		if res.sum.Status != "failed" {
			t.Errorf("status %s, want failed", res.sum.Status)
		}
		e.wantCounts(map[string]int{"s-x86_64": 1, "s-aarch64": 1})
	})

	t.Run("required arch fails", func(t *testing.T) {
		e := newEnv(t)
		// aarch64 runs until it is killed; x86_64 fails once it has
		// started. The failure of required x86_64 must stop aarch64.
		res := e.run(`
build {
  name     = "required"
  version  = "1"
  arches   = ["x86_64", "aarch64"]
  can_fail = ["aarch64"]
}
stage "exec" "s" {
  env     = { M = "@M@", ARCH = arch }
  command = ["sh", "-euc", <<-EOT
    if [ "$ARCH" = aarch64 ]; then
      echo $$ >"$M/pid.tmp"; mv "$M/pid.tmp" "$M/pid"
      exec sleep 300
    fi
    i=0
    while [ ! -e "$M/pid" ]; do
      i=$((i+1))
      if [ $i -gt 400 ]; then exit 4; fi
      sleep 0.05
    done
    echo "failing on purpose" >&2
    exit 1
    EOT
  ]
  outputs = ["out"]
}
stage "exec" "after" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/after\"", "sh", stage.s.out]
}
`, engine.RunOptions{Jobs: 2})
		var bf *engine.BuildFailedError
		if !errors.As(res.err, &bf) || !slices.Equal(bf.Failed, []string{"x86_64"}) {
			t.Fatalf("err %v, want a BuildFailedError for x86_64", res.err)
		}
		if res.elapsed > 20*time.Second {
			t.Errorf("the run took %s: aarch64 was not cancelled", res.elapsed)
		}
		res.wantStatus(t, "x86_64", map[string]string{"s": "failed", "after": "skipped"})
		res.wantStatus(t, "aarch64", map[string]string{"s": "skipped", "after": "skipped"})
		if msg := res.errorOf(t, "s", "aarch64"); !strings.Contains(msg, "cancelled") {
			t.Errorf("aarch64's stage was skipped with %q, want a cancellation", msg)
		}
		if !slices.Equal(res.sum.Failed, []string{"x86_64"}) || len(res.sum.Tolerated) != 0 {
			t.Errorf("summary: failed %v, tolerated %v; want only x86_64 failed", res.sum.Failed, res.sum.Tolerated)
		}
		e.wantCounts(map[string]int{"after": 0})
		waitGone(t, e.readPid("pid"))
		for _, arch := range []string{"x86_64", "aarch64"} {
			if e.hasObject(res.plan.Instances["s"][arch].ID) {
				t.Errorf("s [%s] left an object", arch)
			}
		}
	})
}

func TestPlanCycleNamesBothStages(t *testing.T) {
	src := `
build {
  name    = "cycle"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "first" {
  command = ["cat", stage.second.out]
  outputs = ["out"]
}
stage "exec" "second" {
  command = ["cat", stage.first.out]
  outputs = ["out"]
}
`
	r, diags := recipe.Parse([]byte(src), filepath.Join(t.TempDir(), "recipe.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, _, diags := engine.NewPlanner(stages.All()).Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	if p != nil {
		t.Fatal("a recipe with a cycle was planned")
	}
	var cycles []string
	for _, d := range diags {
		if strings.Contains(d.Summary, "Cycle") {
			cycles = append(cycles, d.Summary)
			if !strings.Contains(d.Detail, "first") || !strings.Contains(d.Detail, "second") {
				t.Errorf("detail %q does not name both stages", d.Detail)
			}
			if d.Subject == nil || d.Subject.Start.Line < 7 {
				t.Errorf("the diagnostic points at %v, not at a reference", d.Subject)
			}
		}
	}
	if len(cycles) != 1 || !strings.Contains(cycles[0], `"first"`) || !strings.Contains(cycles[0], `"second"`) {
		t.Errorf("cycle diagnostics %q: want one naming \"first\" and \"second\"", cycles)
	}
}

// A run interrupted while another run builds the same stage (and so holds
// its lock) stops at once instead of waiting for that stage to finish.
func TestRunInterruptedWhileWaitingForLock(t *testing.T) {
	e := newEnv(t)
	src := `
build {
  name    = "lock"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "a" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/a\"; echo a >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
`
	p := e.plan(src)
	// Another run is building stage a.
	unlock, err := e.store.Lock(p.Instances["a"]["x86_64"].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	// The interrupt comes while this run waits for that lock.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	type ret struct {
		sum *engine.Summary
		err error
	}
	done := make(chan ret, 1)
	go func() {
		sum, err := engine.Run(ctx, p, e.execs[p], e.store, engine.RunOptions{})
		done <- ret{sum, err}
	}()
	var r ret
	select {
	case r = <-done:
	case <-time.After(15 * time.Second):
		unlock() // let the run finish, so the test can end
		<-done
		t.Fatal("the run did not stop when interrupted while waiting for a stage's lock")
	}
	if !errors.Is(r.err, engine.ErrInterrupted) || r.sum.Status != "interrupted" {
		t.Errorf("err %v, status %s; want interrupted", r.err, r.sum.Status)
	}
	e.wantCounts(map[string]int{"a": 0})
	rep := e.checkStore(r.sum.RunID)
	if len(rep.Stages) != 1 || rep.Stages[0].Status != "skipped" {
		t.Errorf("report: %+v; want stage a skipped", rep.Stages)
	}
}
