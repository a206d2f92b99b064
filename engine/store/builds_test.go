package store_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// publish writes a build directory's metadata.json as the upload stage
// does, last.
func publish(t *testing.T, dir string, m store.BuildMetadata) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.MetadataFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func meta(name, version, release string, created time.Time, arches ...string) store.BuildMetadata {
	return store.BuildMetadata{
		SchemaVersion: store.MetadataVersion,
		Name:          name, Version: version, Release: release, NVR: name + "-" + version + "-" + release,
		ReleaseKey: "key-" + release, Created: created, Updated: created, Arches: arches,
	}
}

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// summary is what the tests compare of a BuildRecord.
type summary struct {
	NVR, State, Key string
	Arches          []string
}

func summarize(recs []store.BuildRecord) []summary {
	var out []summary
	for _, r := range recs {
		out = append(out, summary{r.NVR(), r.State, r.Key, r.Arches})
	}
	return out
}

// TestAllBuilds lists builds in every state, builds/ first (by name,
// version, then age), then published scratch builds, oldest first.
func TestAllBuilds(t *testing.T) {
	st := openStore(t)
	if all, err := st.AllBuilds(); err != nil || len(all) != 0 {
		t.Fatalf("empty store: %v, %v", all, err)
	}

	publish(t, st.BuildDir("img", "41", "2"), meta("img", "41", "2", t0.Add(2*time.Hour), "aarch64", "x86_64"))
	publish(t, st.BuildDir("img", "41", "1"), meta("img", "41", "1", t0.Add(time.Hour), "x86_64"))
	if err := st.DeleteBuild(t.Context(), "img", "41", "1"); err != nil {
		t.Fatal(err)
	}
	ok, unlock, err := st.Reserve("img", "41", "3", store.Reservation{Run: "r3", Key: "key-3", Created: t0.Add(3 * time.Hour)})
	if err != nil || !ok {
		t.Fatalf("reserve: %v %v", ok, err)
	}
	defer unlock()
	publish(t, st.BuildDir("app", "1", "1"), meta("app", "1", "1", t0.Add(4*time.Hour), "x86_64"))
	publish(t, st.ScratchDir("alice", "run-b"), meta("img", "41", "2", t0.Add(6*time.Hour), "x86_64"))
	publish(t, st.ScratchDir("bob", "run-a"), meta("img", "41", "2", t0.Add(5*time.Hour), "aarch64"))
	// A scratch build whose run has not published it yet is not a build.
	if err := os.MkdirAll(filepath.Join(st.ScratchDir("bob", "run-c"), "images"), 0o755); err != nil {
		t.Fatal(err)
	}

	all, err := st.AllBuilds()
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{"app-1-1", store.BuildPublished, "key-1", []string{"x86_64"}},
		{"img-41-1", store.BuildDeleted, "key-1", nil},
		{"img-41-2", store.BuildPublished, "key-2", []string{"aarch64", "x86_64"}},
		{"img-41-3", store.BuildReserved, "key-3", nil},
		{"img-41-2", store.BuildScratch, "key-2", []string{"aarch64"}},
		{"img-41-2", store.BuildScratch, "key-2", []string{"x86_64"}},
	}
	if got := summarize(all); !slices.EqualFunc(got, want, func(a, b summary) bool {
		return a.NVR == b.NVR && a.State == b.State && a.Key == b.Key && slices.Equal(a.Arches, b.Arches)
	}) {
		t.Errorf("AllBuilds:\n got %+v\nwant %+v", got, want)
	}
	if all[1].Dir != st.BuildDir("img", "41", "1") || all[5].Dir != st.ScratchDir("alice", "run-b") {
		t.Errorf("directories: %s, %s", all[1].Dir, all[5].Dir)
	}
	if !all[3].Created.Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("the reservation was created %s, want %s", all[3].Created, t0.Add(3*time.Hour))
	}
	if !st.Active("img", "41", "3") {
		t.Error("the reserved release is not active while its reservation is held")
	}

	// FindBuild prefers the release under builds/ to scratch builds of the
	// same N-V-R, and among scratch builds the newest.
	b, ok, err := st.FindBuild("img-41-2")
	if err != nil || !ok || b.State != store.BuildPublished || b.Dir != st.BuildDir("img", "41", "2") {
		t.Errorf("FindBuild(img-41-2) = %+v, %v, %v", b, ok, err)
	}
	if err := st.DeleteBuild(t.Context(), "img", "41", "2"); err != nil {
		t.Fatal(err)
	}
	if b, _, _ := st.FindBuild("img-41-2"); b.State != store.BuildDeleted {
		t.Errorf("a deleted release still comes first: %+v", b)
	}
	if b, ok, err := st.FindBuild("nope-1-1"); ok || err != nil {
		t.Errorf("FindBuild(nope-1-1) = %+v, %v, %v", b, ok, err)
	}
}

// TestFindScratch: with no release under builds/, the newest scratch
// build of the N-V-R; DeleteScratch removes it and nothing else.
func TestFindScratch(t *testing.T) {
	st := openStore(t)
	publish(t, st.ScratchDir("alice", "run-b"), meta("img", "41", "1", t0.Add(2*time.Hour), "x86_64"))
	publish(t, st.ScratchDir("bob", "run-a"), meta("img", "41", "1", t0.Add(time.Hour), "x86_64"))
	b, ok, err := st.FindBuild("img-41-1")
	if err != nil || !ok || b.Dir != st.ScratchDir("alice", "run-b") {
		t.Fatalf("FindBuild = %+v, %v, %v; want alice's, the newest", b, ok, err)
	}
	if err := st.DeleteScratch(b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there: %v", b.Dir, err)
	}
	b, ok, err = st.FindBuild("img-41-1")
	if err != nil || !ok || b.Dir != st.ScratchDir("bob", "run-a") {
		t.Errorf("after deleting alice's: FindBuild = %+v, %v, %v; want bob's", b, ok, err)
	}

	// Only a scratch build of this store.
	publish(t, st.BuildDir("img", "41", "2"), meta("img", "41", "2", t0, "x86_64"))
	rel, _, _ := st.FindBuild("img-41-2")
	if err := st.DeleteScratch(rel); err == nil {
		t.Error("DeleteScratch deleted a release")
	}
	if err := st.DeleteScratch(store.BuildRecord{State: store.BuildScratch, Dir: filepath.Dir(st.Dir)}); err == nil {
		t.Error("DeleteScratch deleted a directory outside scratch/")
	}
}

// TestDeleteBuild leaves a tombstone that keeps the release and its key;
// a second delete is a no-op, and a reservation cannot be deleted.
func TestDeleteBuild(t *testing.T) {
	st := openStore(t)
	dir := st.BuildDir("img", "41", "1")
	publish(t, dir, meta("img", "41", "1", t0, "x86_64"))
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "images", "img.qcow2"), []byte("disk"), 0o444); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := st.DeleteBuild(t.Context(), "img", "41", "1"); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != store.TombstoneFile {
			t.Errorf("after delete: %v", entries)
		}
	}
	var tomb store.Tombstone
	data, _ := os.ReadFile(filepath.Join(dir, store.TombstoneFile))
	if err := json.Unmarshal(data, &tomb); err != nil || tomb.Key != "key-1" || !tomb.Created.Equal(t0) || tomb.Deleted.IsZero() {
		t.Errorf("tombstone %s: %v", data, err)
	}
	if ok, _, err := st.Reserve("img", "41", "1", store.Reservation{Run: "r"}); ok || err != nil {
		t.Errorf("a deleted release was reserved again: %v, %v", ok, err)
	}

	ok, unlock, err := st.Reserve("img", "41", "2", store.Reservation{Run: "r", Key: "k", Created: t0})
	if err != nil || !ok {
		t.Fatalf("reserve: %v %v", ok, err)
	}
	defer unlock()
	if err := st.DeleteBuild(t.Context(), "img", "41", "2"); err == nil {
		t.Error("DeleteBuild deleted a reservation")
	}
	if err := st.DeleteBuild(t.Context(), "img", "41", "9"); err == nil {
		t.Error("DeleteBuild deleted a build that is not there")
	}
}

func TestReadMetadata(t *testing.T) {
	st := openStore(t)
	dir := st.BuildDir("img", "41", "1")
	m := meta("img", "41", "1", t0, "x86_64")
	m.Builds = map[string]*store.ArchMetadata{"x86_64": {
		Arch:       "x86_64",
		Images:     []store.BuildImage{{BuildFile: store.BuildFile{Path: "images/a.qcow2", Size: 1, SHA256: "aa"}, Format: "qcow2"}},
		Logs:       []store.BuildFile{{Path: "data/logs/x86_64/log", Size: 2, SHA256: "bb"}},
		Kickstarts: []store.BuildKickstart{{BuildFile: store.BuildFile{Path: "data/kickstarts/x86_64/a.ks", Size: 3, SHA256: "cc"}, Role: "original"}},
	}}
	publish(t, dir, m)
	got, err := store.ReadMetadata(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got.Builds["x86_64"].Files() {
		paths = append(paths, f.Path)
	}
	if got.NVR != "img-41-1" || !slices.Equal(paths, []string{"images/a.qcow2", "data/logs/x86_64/log", "data/kickstarts/x86_64/a.ks"}) {
		t.Errorf("read back %+v, files %v", got, paths)
	}
	os.WriteFile(filepath.Join(dir, store.MetadataFile), []byte("{"), 0o644)
	if _, err := store.ReadMetadata(dir); err == nil {
		t.Error("a torn metadata.json read without error")
	}
}
