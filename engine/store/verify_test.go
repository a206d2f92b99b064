package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine/store"
)

// commitFile makes an object with one file, out, holding data.
func commitFile(t *testing.T, st *store.Store, id, data string) {
	t.Helper()
	p, err := st.Begin(id, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.OutDir, "out"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(&store.Result{Kind: "exec", Stage: "s", Arch: "x86_64"}); err != nil {
		t.Fatal(err)
	}
}

// A damaged object reached through an alias is reported with the file
// that is damaged, and both the alias and the object leave objects/, with
// nothing left in tmp/; a missing file is damage too.
func TestLookupVerifiedDiscardsDamagedObject(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	commitFile(t, st, "aa", "object bytes\n")
	if err := st.Alias("bb", "aa"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.LookupVerified("bb"); !ok || err != nil {
		t.Fatalf("intact object through its alias: ok %v, err %v", ok, err)
	}
	path := filepath.Join(st.ObjectDir("aa"), "out")
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, []byte("object bytez\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, damage, err := st.VerifyObject("aa", false); err != nil || len(damage) != 1 || damage[0].Path != "out" {
		t.Errorf("VerifyObject: %v, %v", damage, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("VerifyObject changed the store: %v", err)
	}
	_, ok, err := st.LookupVerified("bb")
	var de *store.DamagedError
	if ok || !errors.As(err, &de) || de.ID != "aa" || !strings.Contains(err.Error(), "out: has sha256 ") {
		t.Fatalf("damaged object: ok %v, err %v", ok, err)
	}
	for _, name := range []string{"aa", "bb"} {
		if _, err := os.Lstat(filepath.Join(st.Dir, "objects", name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("objects/%s is still there: %v", name, err)
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(st.Dir, "tmp")); len(tmp) != 1 || tmp[0].Name() != "locks" {
		t.Errorf("tmp/ holds %v", tmp)
	}

	commitFile(t, st, "cc", "other\n")
	os.Remove(filepath.Join(st.ObjectDir("cc"), "out"))
	if _, ok, err := st.LookupVerified("cc"); ok || err == nil || !strings.Contains(err.Error(), "out: missing") {
		t.Errorf("object with a missing file: ok %v, err %v", ok, err)
	}
}
