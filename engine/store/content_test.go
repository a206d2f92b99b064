package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine/store"
)

// commit makes an object with one file, as a stage would.
func commit(t *testing.T, st *store.Store, id string) {
	t.Helper()
	p, err := st.Begin(id, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.OutDir, "out"), []byte(id), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(&store.Result{Outputs: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

func hexID(c byte) string { return strings.Repeat(string(c), 64) }

func TestContentIndex(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	obj, gone, key, key2 := hexID('a'), hexID('b'), hexID('c'), hexID('d')
	commit(t, st, obj)

	first := st.ContentIndex("run1")
	if _, ok := first.Lookup(key); ok {
		t.Fatal("an empty index found a key")
	}
	if err := first.Record(key, obj); err != nil {
		t.Fatal(err)
	}
	if err := first.Record(key2, gone); err != nil {
		t.Fatal(err)
	}
	if id, ok := first.Lookup(key); !ok || id != obj {
		t.Errorf("the run that recorded a key looks it up as %q, %v", id, ok)
	}
	first.Close()
	// A line cut short (a run killed while writing) is skipped.
	f, _ := os.OpenFile(filepath.Join(st.Dir, "keys", "run2.idx"), os.O_CREATE|os.O_WRONLY, 0o644)
	f.WriteString(hexID('e') + " " + obj[:10])
	f.Close()

	next := st.ContentIndex("run3")
	if id, ok := next.Lookup(key); !ok || id != obj {
		t.Errorf("the next run looks the key up as %q, %v; want %s", id, ok, obj)
	}
	if _, ok := next.Lookup(key2); ok {
		t.Error("a key whose object does not exist was found")
	}
	if _, ok := next.Lookup(hexID('e')); ok {
		t.Error("a line cut short was read")
	}

	// An alias is the object under another ID, and gc keeps the object an
	// alias it keeps names, and compacts the index to the live keys.
	alias := hexID('f')
	if err := st.Alias(alias, obj); err != nil {
		t.Fatal(err)
	}
	if res, ok, err := st.Lookup(alias); !ok || err != nil || res.ID != obj || st.Target(alias) != obj {
		t.Fatalf("alias: %+v, %v, %v; target %s", res, ok, err, st.Target(alias))
	}
	run := filepath.Join(st.Dir, "runs", "r1")
	os.MkdirAll(run, 0o755)
	os.WriteFile(filepath.Join(run, store.ReportFile), []byte(`{"stages":[{"id":"`+alias+`"}]}`), 0o644)
	if _, err := st.GC(store.GCOptions{KeepRuns: 1}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Lookup(obj); !ok {
		t.Error("gc removed the object a kept alias names")
	}
	entries, _ := os.ReadDir(filepath.Join(st.Dir, "keys"))
	if len(entries) != 1 || entries[0].Name() != "index" {
		t.Errorf("keys/ after gc: %v, want the one compacted index", entries)
	}
	if id, ok := st.ContentIndex("run4").Lookup(key); !ok || id != obj {
		t.Errorf("after gc the key looks up as %q, %v", id, ok)
	}
}
