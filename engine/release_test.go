package engine_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages"
)

// convertPlan plans a recipe with a convert stage (which uses the release)
// after an exec stage; only exec's command varies with marker.
func convertPlan(t *testing.T, marker, release string, scratch bool) *engine.Plan {
	t.Helper()
	rel := ""
	if release != "" {
		rel = `release = "` + release + `"`
	}
	sc := ""
	if scratch {
		sc = "scratch = true"
	}
	src := `
build {
  name    = "img"
  version = "41"
  arches  = ["x86_64"]
  ` + rel + `
  ` + sc + `
}
stage "exec" "disk" {
  command = ["sh", "-c", "echo ` + marker + ` > $IMGPIPE_OUT/disk.raw"]
  outputs = ["disk.raw"]
}
stage "convert" "images" {
  disk    = stage.disk["disk.raw"]
  formats = ["qcow2"]
}
`
	path := filepath.Join(t.TempDir(), "recipe.hcl")
	r, diags := recipe.Parse([]byte(src), path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, _, diags := stages.Planner().Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

func publish(t *testing.T, st *store.Store, p *engine.Plan) {
	t.Helper()
	dir := st.BuildDir(p.Build.Name, p.Build.Version, p.Build.Release)
	if err := os.WriteFile(filepath.Join(dir, store.MetadataFile), []byte(`{"release_key":"`+engine.StandInKey(p)+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestClaimRelease(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	claim := func(p *engine.Plan) *engine.ClaimedRelease {
		t.Helper()
		rel, err := engine.ClaimRelease(p, st, "run")
		if err != nil {
			t.Fatal(err)
		}
		if rel.Unlock != nil {
			t.Cleanup(rel.Unlock)
		}
		return rel
	}

	// First build: release 1; the convert ID carries it.
	p1 := convertPlan(t, "a", "", false)
	before := p1.Instances["images"]["x86_64"].ID
	r1 := claim(p1)
	if r1.Release != "1" || r1.UpToDate {
		t.Fatalf("first claim = %+v, want release 1", r1)
	}
	if p1.Instances["images"]["x86_64"].ID != before {
		t.Error("claiming a release changed the plan it was given")
	}
	p1.Build.Release = r1.Release
	publish(t, st, p1)

	// The same stages again: up to date under release 1.
	if r := claim(convertPlan(t, "a", "", false)); r.Release != "1" || !r.UpToDate {
		t.Errorf("rerun claim = %+v, want release 1, up to date", r)
	}
	// Changed stages: the next release, reserved.
	p2 := convertPlan(t, "b", "", false)
	if r := claim(p2); r.Release != "2" || r.UpToDate {
		t.Errorf("changed claim = %+v, want release 2", r)
	}
	// While release 2 is reserved by a live run, a third change gets 3.
	if r := claim(convertPlan(t, "c", "", false)); r.Release != "3" {
		t.Errorf("concurrent claim = %+v, want release 3", r)
	}
	// Scratch builds name the next release and reserve nothing.
	ps := convertPlan(t, "d", "", true)
	if r := claim(ps); r.Release != "4" || r.Unlock != nil {
		t.Errorf("scratch claim = %+v, want release 4 without a reservation", r)
	}
	if _, err := os.Stat(st.BuildDir("img", "41", "4")); err == nil {
		t.Error("a scratch build reserved its release")
	}
	// An explicit release that is already published with other stages.
	if _, err := engine.ClaimRelease(convertPlan(t, "e", "1", false), st, "run"); err == nil {
		t.Error("claiming a published release for different stages succeeded")
	}
}

func TestClaimReleaseTombstoneAndDeadReservation(t *testing.T) {
	st, _ := store.Open(t.TempDir())
	// Release 1 deleted (tombstone), release 2 reserved by a run that died.
	for _, r := range []string{"1", "2"} {
		if err := os.MkdirAll(st.BuildDir("img", "41", r), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(st.BuildDir("img", "41", "1"), store.TombstoneFile), []byte(`{"created":"2026-01-01T00:00:00Z"}`), 0o644)
	os.WriteFile(filepath.Join(st.BuildDir("img", "41", "2"), store.ReservationFile), []byte(`{"created":"2026-01-02T00:00:00Z"}`), 0o644)
	rel, err := engine.ClaimRelease(convertPlan(t, "a", "", false), st, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Unlock()
	if rel.Release != "2" {
		t.Errorf("release = %q, want 2 (1 is a tombstone, 2's run is gone)", rel.Release)
	}
}

func TestClaimReleaseConcurrent(t *testing.T) {
	st, _ := store.Open(t.TempDir())
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := engine.ClaimRelease(convertPlan(t, string(rune('a'+i)), "", false), st, "run")
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(rel.Unlock)
			got[i] = rel.Release
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r] {
			t.Errorf("two concurrent runs got release %s: %v", r, got)
		}
		seen[r] = true
	}
}
