package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/imgpipe/imgpipe/engine/store"
)

// TestOpenExisting opens only a directory that is a store, and makes
// nothing in one that is not.
func TestOpenExisting(t *testing.T) {
	dir := t.TempDir()
	if _, err := store.OpenExisting(dir); !errors.Is(err, store.ErrNotStore) {
		t.Errorf("OpenExisting(empty dir) = %v, want ErrNotStore", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("OpenExisting made %v in a directory that is not a store", entries)
	}
	if _, err := store.Open(dir); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenExisting(dir)
	if err != nil || st.Dir != dir {
		t.Errorf("OpenExisting(store) = %v, %v", st, err)
	}
}

func TestObjectOf(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Begin("abc", true)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(p.OutDir, "f"), nil, 0o644)
	if err := p.Commit(&store.Result{}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(st.ObjectDir("abc"), "sub", "f"): "abc",
		st.ObjectDir("abc"):                            "abc",
		filepath.Dir(st.ObjectDir("abc")):              "",
		st.BuildDir("n", "v", "r"):                     "",
		"/elsewhere/f":                                 "",
	} {
		id, ok := st.ObjectOf(path)
		if id != want || ok != (want != "") {
			t.Errorf("ObjectOf(%s) = %q, %v; want %q", path, id, ok, want)
		}
	}
}

func TestRuns(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if runs, err := st.Runs(); err != nil || len(runs) != 0 {
		t.Errorf("Runs() = %v, %v in a new store", runs, err)
	}
	for _, r := range []string{"20261102T000000Z-bb", "20261101T000000Z-aa"} {
		dir, err := st.RunDir(r)
		if err != nil || dir != st.RunPath(r) {
			t.Fatalf("RunDir(%s) = %s, %v; RunPath says %s", r, dir, err, st.RunPath(r))
		}
	}
	runs, err := st.Runs()
	if err != nil || !slices.Equal(runs, []string{"20261101T000000Z-aa", "20261102T000000Z-bb"}) {
		t.Errorf("Runs() = %v, %v; want oldest first", runs, err)
	}
	if _, err := (&store.Store{Dir: t.TempDir()}).Runs(); err == nil {
		t.Error("Runs() of a directory without runs/ is no error")
	}
}
