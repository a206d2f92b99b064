package examples_test

import (
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
// published, and a second run finds the build up to date.
func TestQuickstart(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "qemu-system-aarch64", "qemu-img")
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	run := func() store.Release {
		t.Helper()
		return runExample(t, ctx, st, "quickstart/quickstart.hcl", engine.PrepareOptions{Vars: []string{"tree=" + tree}})
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
}

// runExample prepares the example recipe at path and runs it into st, as
// `imgpipe run` does, and returns the release the run settled.
func runExample(t *testing.T, ctx context.Context, st *store.Store, path string, opts engine.PrepareOptions) store.Release {
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
	return sum.Release
}
