package examples_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/cache/oci"
	"github.com/imgpipe/imgpipe/engine/cacheref"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/stages"
)

// TestQuickstartTeamCache: two stores on one machine stand for two
// machines sharing a team cache in Debian's docker-registry
// (docs/team-cache.md). Store A runs the quickstart and pushes; store B
// runs the same recipe pulling from the cache: it starts no guest-install,
// boot-verify or convert instance, and publishes images whose sha256 are
// A's.
func TestQuickstartTeamCache(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "qemu-system-aarch64", "qemu-img")
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	ref, err := cacheref.ParseRef(podmantest.StartRegistry(t) + "/team/quickstart")
	if err != nil {
		t.Fatal(err)
	}
	remote, err := oci.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	recipePath := copyQuickstart(t)
	opts := engine.PrepareOptions{Vars: []string{"tree=" + tree}}
	stA, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stB, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	relA, _ := runQuickstartWith(t, ctx, stA, recipePath, opts, engine.RunOptions{CacheTo: remote})
	relB, evB := runQuickstartWith(t, ctx, stB, recipePath, opts, engine.RunOptions{CacheFrom: remote})

	for _, e := range evB {
		switch {
		case e.Type == events.StageStarted && (e.Kind == "guest-install" || e.Kind == "boot-verify" || e.Kind == "convert"):
			t.Errorf("store B started %s %s [%s]; want it pulled from the team cache", e.Kind, e.Stage, e.Arch)
		case e.Type == events.StageLog && strings.HasPrefix(e.Line, "warning: "):
			t.Errorf("store B: %s [%s]: %s", e.Stage, e.Arch, e.Line)
		case e.Type == events.StageCached && e.Kind == "guest-install" && !strings.Contains(e.Reason, "pulled from the team cache "+ref.String()):
			t.Errorf("store B: %s [%s] cached because %s", e.Stage, e.Arch, e.Reason)
		}
	}
	if relA.Release != relB.Release {
		t.Fatalf("store A published release %s, store B %s", relA.Release, relB.Release)
	}
	dirA := filepath.Join(stA.BuildDir("quickstart", "1", relA.Release), "images")
	dirB := filepath.Join(stB.BuildDir("quickstart", "1", relB.Release), "images")
	images, err := os.ReadDir(dirA)
	if err != nil || len(images) == 0 {
		t.Fatalf("store A published no images: %v", err)
	}
	for _, img := range images {
		a, b := fileSHA256(t, filepath.Join(dirA, img.Name())), fileSHA256(t, filepath.Join(dirB, img.Name()))
		if a != b {
			t.Errorf("%s: store B published sha256 %s, store A %s", img.Name(), b, a)
		}
	}
	if rep, err := stB.Verify(); err != nil || len(rep.Damaged) > 0 {
		t.Errorf("store B after pulling: %+v %v", rep, err)
	}
}

// copyQuickstart copies examples/quickstart into a directory of its own
// and returns the recipe's path there.
func copyQuickstart(t testing.TB) string {
	t.Helper()
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
	return filepath.Join(dir, "quickstart.hcl")
}

// runQuickstartWith prepares and runs the recipe into st with ropts, and
// returns the release it settled and its events.
func runQuickstartWith(t *testing.T, ctx context.Context, st *store.Store, path string, opts engine.PrepareOptions, ropts engine.RunOptions) (store.Release, []events.Event) {
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
	var mu sync.Mutex
	var evs []events.Event
	ropts.Events = events.SinkFunc(func(e events.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() })
	ropts.RunID = store.NewRunID(time.Now())
	ropts.Jobs = 2
	sum, err := engine.Run(ctx, plan, execs, st, ropts)
	if err != nil {
		t.Fatalf("%s failed: %v (logs in %s)", path, err, st.RunPath(ropts.RunID))
	}
	mu.Lock()
	defer mu.Unlock()
	return sum.Release, evs
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
