package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
)

// cutoffRecipe: gen reads a local file and keeps its lines that are not
// comments; build, once per arch (its env names the arch), copies gen's
// output and fails for an arch whose fail marker exists; final reads its
// arch's build. aarch64 can fail.
const cutoffRecipe = `
build {
  name     = "cutoff"
  version  = "1"
  arches   = ["x86_64", "aarch64"]
  can_fail = ["aarch64"]
}
stage "exec" "gen" {
  inputs  = ["./src"]
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/gen\"; grep -v '^#' src >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "build" {
  env     = { M = "@M@", A = arch }
  command = ["sh", "-euc", "echo >>\"$M/build-$A\"; test ! -e \"$M/fail-$A\"; cp \"$1\" \"$IMGPIPE_OUT/out\"", "sh", stage.gen.out]
  outputs = ["out"]
}
stage "exec" "final" {
  env     = { M = "@M@", A = arch }
  command = ["sh", "-euc", "echo >>\"$M/final-$A\"; cat \"$1\" >/dev/null", "sh", stage.build.out]
}
`

// Early cutoff: a stage whose inputs were rebuilt into the same bytes is
// not run again, whatever its stage ID; different bytes run it; can_fail,
// per-arch instances and --force keep working. Every stage but gen has an
// instance per arch.
func TestRunEarlyCutoff(t *testing.T) {
	e := newEnv(t)
	src := filepath.Join(e.dir, "src")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(src, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mark := filepath.Join(e.marks, "fail-aarch64")

	write("packages: a b\n")
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res := e.run(cutoffRecipe, engine.RunOptions{})
	if res.err != nil || len(res.sum.Tolerated) != 1 {
		t.Fatalf("first run: %v, tolerated %v; want aarch64 to fail, allowed", res.err, res.sum.Tolerated)
	}
	e.wantCounts(map[string]int{"gen": 1, "build-x86_64": 1, "build-aarch64": 1, "final-x86_64": 1, "final-aarch64": 0})
	if err := os.Remove(mark); err != nil {
		t.Fatal(err)
	}

	// A comment: gen runs (its input changed) and makes the same bytes, so
	// build [x86_64] and final do not run although their IDs are new;
	// build [aarch64], which failed, runs.
	write("# a comment\npackages: a b\n")
	res = e.run(cutoffRecipe, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("comment edit: %v", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"gen": "done", "build": "cached", "final": "cached"})
	res.wantStatus(t, "aarch64", map[string]string{"build": "done", "final": "done"})
	e.wantCounts(map[string]int{"gen": 2, "build-x86_64": 1, "build-aarch64": 2, "final-x86_64": 1, "final-aarch64": 1})
	if why := cachedReason(res, "build", "x86_64"); !strings.Contains(why, "same bytes") {
		t.Errorf("build [x86_64] cached because %q, want the same-bytes reason", why)
	}

	// The same again: the store recorded the new IDs, found directly.
	res = e.run(cutoffRecipe, engine.RunOptions{})
	if res.err != nil || res.sum.Cached != 5 {
		t.Fatalf("rerun: cached %d, err %v; want all 5 cached", res.sum.Cached, res.err)
	}
	if why := cachedReason(res, "build", "x86_64"); why != "its object exists" {
		t.Errorf("build [x86_64] cached on rerun because %q, want its object found by ID", why)
	}

	// --force still forces, cutoff or not.
	res = e.run(cutoffRecipe, engine.RunOptions{Force: []string{"build"}})
	if res.err != nil {
		t.Fatalf("--force=build: %v", res.err)
	}
	e.wantCounts(map[string]int{"gen": 2, "build-x86_64": 2, "build-aarch64": 3, "final-x86_64": 1, "final-aarch64": 1})

	// Different bytes run everything after them.
	write("# a comment\npackages: a b c\n")
	res = e.run(cutoffRecipe, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("package edit: %v", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"gen": "done", "build": "done", "final": "done"})
	e.wantCounts(map[string]int{"gen": 3, "build-x86_64": 3, "build-aarch64": 4, "final-x86_64": 2, "final-aarch64": 2})
	if got := e.output(res.plan.Instances["build"]["x86_64"].ID, "out"); got != "packages: a b c\n" {
		t.Errorf("build [x86_64] holds %q", got)
	}
}

// cachedReason returns the reason of the stage.cached event of a stage.
func cachedReason(res *result, name, arch string) string {
	for _, ev := range res.events {
		if ev.Type == events.StageCached && ev.Stage == name && ev.Arch == arch {
			return ev.Reason
		}
	}
	return ""
}
