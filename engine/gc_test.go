package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/store"
)

// gcRecipe has stage a, made fresh or found cached; stage pause, which
// tells the test it started (it opens the FIFO $M/started for writing) and
// waits for the test's go-ahead (it reads the FIFO $M/go); and stage use,
// which reads a's object after the pause. Pause runs in every run: its
// environment names the run (@L@).
const gcRecipe = `
build {
  name    = "gc"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "a" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/a\"; echo a >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "pause" {
  env     = { M = "@M@", RUN = "@L@" }
  command = ["sh", "-euc", "echo >\"$M/started\"; read x <\"$M/go\"; echo >>\"$M/pause-$(cat $1)\"", "sh", stage.a.out]
}
stage "exec" "use" {
  env        = { M = "@M@" }
  command    = ["sh", "-euc", "cp \"$1\" \"$IMGPIPE_OUT/out\"", "sh", stage.a.out]
  outputs    = ["out"]
  depends_on = [stage.pause]
}
`

// gcDuringRun runs gcRecipe and, while stage pause waits, collects the
// store's garbage as `imgpipe gc --keep-runs 0` does. It returns the run's
// result and what gc removed.
func (e *env) gcDuringRun(label string) (*result, *store.GCResult) {
	e.t.Helper()
	for _, f := range []string{"started", "go"} {
		os.Remove(filepath.Join(e.marks, f))
		if err := syscall.Mkfifo(filepath.Join(e.marks, f), 0o600); err != nil {
			e.t.Fatal(err)
		}
	}
	type gcRet struct {
		res *store.GCResult
		err error
	}
	gcDone := make(chan gcRet, 1)
	go func() {
		// Blocks until stage pause opens the FIFO: a's object is settled.
		started, err := os.ReadFile(filepath.Join(e.marks, "started"))
		if err != nil || len(started) == 0 {
			gcDone <- gcRet{nil, err}
			return
		}
		res, err := e.store.GC(store.GCOptions{KeepRuns: 0})
		gcDone <- gcRet{res, err}
		// Let the stage go on.
		os.WriteFile(filepath.Join(e.marks, "go"), []byte("go\n"), 0o600)
	}()
	res := e.run(strings.ReplaceAll(gcRecipe, "@L@", label), engine.RunOptions{})
	var g gcRet
	select {
	case g = <-gcDone:
	case <-time.After(30 * time.Second):
		e.t.Fatalf("%s: gc never ran", label)
	}
	if g.err != nil {
		e.t.Fatalf("%s: gc: %v", label, g.err)
	}
	if res.err != nil {
		e.t.Fatalf("%s: a run during gc failed: %v", label, res.err)
	}
	return res, g.res
}

// gc during a run removes nothing the run made or found: the objects of
// stages that finished (the report does not name them yet), of a stage
// the run is building, and the ones it reused from an earlier run. Other
// runs' objects and directories go.
func TestGCDuringRunKeepsTheRunsObjects(t *testing.T) {
	e := newEnv(t)
	// An unrelated run, to be collected.
	other := e.run(`
build {
  name    = "other"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "x" {
  command = ["sh", "-euc", "echo x >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
`, engine.RunOptions{})
	if other.err != nil {
		t.Fatal(other.err)
	}
	x := other.plan.Instances["x"]["x86_64"].ID

	// First run: a is made fresh during it.
	res, gc := e.gcDuringRun("fresh")
	res.wantStatus(t, "x86_64", map[string]string{"a": "done", "pause": "done", "use": "done"})
	a := res.plan.Instances["a"]["x86_64"].ID
	if !e.hasObject(a) || e.output(res.plan.Instances["use"]["x86_64"].ID, "out") != "a\n" {
		t.Errorf("stage a's object is gone after the run")
	}
	if e.hasObject(x) || len(gc.Runs) != 1 {
		t.Errorf("gc kept the other run's object (%v) or removed %d run directories, want 1", e.hasObject(x), len(gc.Runs))
	}

	// Second run: a is cached, so only this run's record says it needs it.
	res, _ = e.gcDuringRun("cached")
	res.wantStatus(t, "x86_64", map[string]string{"a": "cached", "pause": "done"})
	e.wantCounts(map[string]int{"a": 1})
	if !e.hasObject(a) || e.output(res.plan.Instances["use"]["x86_64"].ID, "out") != "a\n" {
		t.Errorf("stage a's object is gone after the second run")
	}
}

// A killed run leaves no report, but the objects it finished are whole:
// gc keeps them as long as the run is among those it keeps.
func TestGCKeepsObjectsOfAKilledRun(t *testing.T) {
	e := newEnv(t)
	res := e.run(gcRecipe2, engine.RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	// As a SIGKILL leaves it: no report.json.
	if err := os.Remove(filepath.Join(e.store.RunPath(res.sum.RunID), store.ReportFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.GC(store.GCOptions{KeepRuns: 1}); err != nil {
		t.Fatal(err)
	}
	if id := res.plan.Instances["a"]["x86_64"].ID; !e.hasObject(id) {
		t.Errorf("gc removed object %s of the killed run it keeps", id)
	}
	if _, err := e.store.GC(store.GCOptions{KeepRuns: 0}); err != nil {
		t.Fatal(err)
	}
	if id := res.plan.Instances["a"]["x86_64"].ID; e.hasObject(id) {
		t.Errorf("gc --keep-runs 0 kept object %s", id)
	}
}

const gcRecipe2 = `
build {
  name    = "killed"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "a" {
  command = ["sh", "-euc", "echo a >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
`

// What a killed run left in tmp/ (a half-written object, its scratch
// directory) goes when the next run starts, not at the next gc.
func TestRunRemovesWhatAKilledRunLeftInTmp(t *testing.T) {
	e := newEnv(t)
	for _, dir := range []string{
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.1234",
		"run-20261207T074735.234354Z-b6a8d09a",
	} {
		if err := os.MkdirAll(filepath.Join(e.store.Dir, "tmp", dir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// e.run checks that tmp/ is clean afterwards.
	if res := e.run(gcRecipe2, engine.RunOptions{}); res.err != nil {
		t.Fatal(res.err)
	}
}

// Runs are ordered by when they started, also within one second.
func TestRunIDsOrderWithinASecond(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 7, 47, 35, 900_000_000, time.UTC)
	for i := range 50 {
		a, b := store.NewRunID(t0), store.NewRunID(t0.Add(time.Duration(i+1)*time.Microsecond))
		if a >= b {
			t.Fatalf("run %s started before %s but sorts after it", a, b)
		}
	}
}
