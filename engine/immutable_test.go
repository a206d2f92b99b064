package engine_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages"
)

// TestRunLeavesPlanUnchanged prepares one recipe twice, runs the first plan
// and compares it, field by field (unexported ones too), with the second.
// The recipe settles a release in the run (convert uses it) and has two
// stages with one ID, so the run's copy-on-release and its per-node state
// are both exercised.
func TestRunLeavesPlanUnchanged(t *testing.T) {
	dir := t.TempDir()
	src := `
build {
  name    = "still"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}
stage "exec" "disk" {
  command = ["sh", "-c", "head -c 1048576 /dev/zero >$IMGPIPE_OUT/disk.raw"]
  outputs = ["disk.raw"]
}
stage "exec" "twin" {
  command = ["sh", "-c", "head -c 1048576 /dev/zero >$IMGPIPE_OUT/disk.raw"]
  outputs = ["disk.raw"]
}
stage "convert" "images" {
  disk    = stage.disk["disk.raw"]
  formats = ["qcow2"]
  depends_on = [stage.twin]
}
`
	path := filepath.Join(dir, "recipe.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, diags := recipe.Parse([]byte(src), path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	planner := stages.Planner()
	plan, execs, diags := planner.Prepare(t.Context(), r, engine.PrepareOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want, _, _ := planner.Prepare(t.Context(), r, engine.PrepareOptions{})
	// The two plans share the recipe and the kinds: compare those by
	// identity, everything else by value.
	opts := cmp.Options{
		cmp.Exporter(func(reflect.Type) bool { return true }),
		cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
		cmp.Comparer(func(a, b *kind.Kind) bool { return a == b }),
		cmp.Comparer(func(a, b *recipe.Recipe) bool { return a == b }),
		cmp.Comparer(func(a, b *recipe.Stage) bool { return a == b }),
	}
	if diff := cmp.Diff(want, plan, opts); diff != "" {
		t.Fatalf("two preparations of one recipe differ (-want +got):\n%s", diff)
	}

	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	sum, err := engine.Run(t.Context(), plan, execs, st, engine.RunOptions{Events: &c})
	if err != nil || sum.Release.Release != "1" {
		t.Fatalf("run: %+v, %v; want release 1", sum, err)
	}
	if diff := cmp.Diff(want, plan, opts); diff != "" {
		t.Errorf("Run changed the plan it was given (-before +after):\n%s", diff)
	}
	// The run did settle the release: its convert stage's ID is not the
	// plan's.
	var ran string
	for _, e := range c.events {
		if e.Stage == "images" && e.Arch == "x86_64" && e.ID != "" {
			ran = e.ID
		}
	}
	if ran == "" || ran == plan.Instances["images"]["x86_64"].ID {
		t.Errorf("the convert stage ran as %q, want an ID other than the unreleased plan's", ran)
	}
}
