package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/stages"
)

// TestQuickstart runs the README's main job, examples/quickstart, on the
// hermetic install tree: both arches are installed, booted, converted and
// published, and a second run finds the build up to date. Then, on a copy
// of the example: a comment in the kickstart runs no VM and no conversion
// and keeps the release (early cutoff, docs/decisions/0012), plan then says
// every instance is cached, and a package removed reinstalls both arches
// and publishes the next release.
func TestQuickstart(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "qemu-system-aarch64", "qemu-img")
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"quickstart.hcl", "quickstart.ks"} {
		b, err := os.ReadFile(filepath.Join("quickstart", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recipePath := filepath.Join(dir, "quickstart.hcl")
	opts := engine.PrepareOptions{Vars: []string{"tree=" + tree}}
	var last *engine.Summary
	run := func() store.Release {
		t.Helper()
		last = runSummary(t, ctx, st, recipePath, opts)
		return last.Release
	}

	rel := run()
	if rel.Release != "1" || rel.UpToDate {
		t.Fatalf("first run: release %+v, want 1", rel)
	}
	build := st.BuildDir("quickstart", "1", "1")
	var meta struct {
		NVR    string   `json:"nvr"`
		Arches []string `json:"arches"`
	}
	b, err := os.ReadFile(filepath.Join(build, store.MetadataFile))
	if err != nil {
		t.Fatalf("no published build: %v", err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.NVR != "quickstart-1-1" || !slices.Equal(meta.Arches, []string{"aarch64", "x86_64"}) {
		t.Errorf("metadata.json: nvr %q arches %v", meta.NVR, meta.Arches)
	}
	for _, arch := range []string{"x86_64", "aarch64"} {
		for _, ext := range []string{"qcow2", "vsphere.ova", "vagrant-libvirt.box"} {
			name := filepath.Join(build, "images", "quickstart-1-1."+arch+"."+ext)
			if _, err := os.Stat(name); err != nil {
				t.Errorf("missing image: %v", err)
			}
		}
		qcow2 := filepath.Join(build, "images", "quickstart-1-1."+arch+".qcow2")
		if out, err := exec.Command("qemu-img", "check", qcow2).CombinedOutput(); err != nil {
			t.Errorf("qemu-img check %s: %v\n%s", qcow2, err, out)
		}
	}
	cmd := exec.Command("sha256sum", "-c", "--quiet", "SHA256SUMS")
	cmd.Dir = build
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}

	if rel := run(); rel.Release != "1" || !rel.UpToDate {
		t.Errorf("second run: release %+v, want 1 and up to date", rel)
	}

	// A comment: fetch-ks and flatten run, the flattened kickstart is the
	// same, so nothing after them runs and the build stays 1.
	ks := filepath.Join(dir, "quickstart.ks")
	text, err := os.ReadFile(ks)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ks, append([]byte("# a comment that flattens away\n"), text...), 0o644); err != nil {
		t.Fatal(err)
	}
	if rel := run(); rel.Release != "1" || !rel.UpToDate {
		t.Errorf("comment edit: release %+v, want 1 and up to date", rel)
	}
	statuses := reportStatuses(t, st, last.RunID)
	for _, stage := range []string{"install", "verify", "images"} {
		for _, arch := range []string{"x86_64", "aarch64"} {
			if got := statuses[stage+" ["+arch+"]"]; got != "cached" {
				t.Errorf("comment edit: %s [%s] is %q, want cached", stage, arch, got)
			}
		}
	}
	if _, err := os.Stat(st.BuildDir("quickstart", "1", "2")); err == nil {
		t.Error("comment edit: release 2 was made")
	}

	// After a complete run, plan finds every instance built; upload checks
	// its destination every run.
	planner := stages.Planner()
	r, diags := recipe.LoadFile(recipePath, recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plan, _, diags := planner.Prepare(ctx, r, opts)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, s := range plan.Doc(st).Stages {
		want := engine.StatusCached
		if s.Kind == "upload" {
			want = engine.StatusCheck
		}
		if s.Status != want {
			t.Errorf("plan after a complete run: %s is %s, want %s", s.Key, s.Status, want)
		}
	}

	// A package removed: both arches are installed again, and the build
	// is the next release.
	edited := bytes.Replace(text, []byte("hello\n"), nil, 1)
	if bytes.Equal(edited, text) {
		t.Fatal("quickstart.ks installs no package hello")
	}
	if err := os.WriteFile(ks, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if rel := run(); rel.Release != "2" || rel.UpToDate {
		t.Errorf("package edit: release %+v, want 2", rel)
	}
	statuses = reportStatuses(t, st, last.RunID)
	for _, arch := range []string{"x86_64", "aarch64"} {
		if got := statuses["install ["+arch+"]"]; got != "done" {
			t.Errorf("package edit: install [%s] is %q, want done", arch, got)
		}
	}
}

// reportStatuses reads a run's report.json: each instance's status, by
// "stage [arch]".
func reportStatuses(t *testing.T, st *store.Store, run string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(st.RunPath(run), store.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Stages []struct{ Stage, Arch, Status string }
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range rep.Stages {
		out[s.Stage+" ["+s.Arch+"]"] = s.Status
	}
	return out
}

// runExample prepares the example recipe at path and runs it into st, as
// `imgpipe run` does, and returns the release the run settled.
func runExample(t *testing.T, ctx context.Context, st *store.Store, path string, opts engine.PrepareOptions) store.Release {
	t.Helper()
	return runSummary(t, ctx, st, path, opts).Release
}

// runSummary is runExample returning the run's summary.
func runSummary(t *testing.T, ctx context.Context, st *store.Store, path string, opts engine.PrepareOptions) *engine.Summary {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.LoadFile(path, recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plan, execs, diags := planner.Prepare(ctx, r, opts)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	runID := store.NewRunID(time.Now())
	sum, err := engine.Run(ctx, plan, execs, st, engine.RunOptions{RunID: runID, Jobs: 2})
	if err != nil {
		t.Fatalf("%s failed: %v (logs in %s)", path, err, filepath.Join(st.Dir, "runs", runID))
	}
	return sum
}
