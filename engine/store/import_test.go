package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine/store"
)

const importID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// madeElsewhere commits an object with a file and an executable script in
// a store of its own and returns its record and that store.
func madeElsewhere(t *testing.T) (*store.Store, *store.Result) {
	t.Helper()
	src, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Begin(importID, true)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(p.OutDir, "sub"), 0o755)
	os.WriteFile(filepath.Join(p.OutDir, "sub", "disk.img"), bytes.Repeat([]byte("disk"), 1<<16), 0o644)
	os.WriteFile(filepath.Join(p.OutDir, "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	if err := p.Commit(&store.Result{Kind: "exec", Stage: "s", Outputs: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	res, ok, err := src.Lookup(importID)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	return src, res
}

func opener(src *store.Store, alter string) store.ImportFile {
	return func(_ context.Context, rel string, f store.File) (io.ReadCloser, bool, error) {
		path := filepath.Join(src.ObjectDir(importID), rel)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, false, err
		}
		if rel == alter {
			b[0] ^= 1
		}
		info, _ := os.Stat(path)
		return io.NopCloser(bytes.NewReader(b)), info.Mode()&0o111 != 0, nil
	}
}

// TestImport writes an object made in another store, verified: it is
// then an intact object of this one, executable bit kept. A file whose
// bytes are not its record's is refused and leaves no object, and a
// record naming a path outside the object is refused before anything is
// read.
func TestImport(t *testing.T) {
	ctx := context.Background()
	src, res := madeElsewhere(t)
	dst, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	err = dst.Import(ctx, importID, res, true, opener(src, "sub/disk.img"))
	if mm, ok := errors.AsType[*store.MismatchError](err); !ok || mm.Path != "sub/disk.img" {
		t.Fatalf("import of an altered file: %v, want a *MismatchError for sub/disk.img", err)
	}
	if _, err := os.Lstat(dst.ObjectDir(importID)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused import left an object: %v", err)
	}
	if left, _ := dst.CleanTmp(); len(left) > 0 {
		t.Errorf("a refused import left %v in tmp/", left)
	}

	bad := *res
	bad.Files = map[string]store.File{"../escape": res.Files["run.sh"]}
	if err := dst.Import(ctx, importID, &bad, true, opener(src, "")); err == nil || !strings.Contains(err.Error(), "cannot be a file") {
		t.Errorf("import of a record naming ../escape: %v", err)
	}
	other := *res
	other.ID = strings.Repeat("f", 64)
	if err := dst.Import(ctx, importID, &other, true, opener(src, "")); err == nil {
		t.Error("import of another object's record under this ID succeeded")
	}

	if err := dst.Import(ctx, importID, res, true, opener(src, "")); err != nil {
		t.Fatal(err)
	}
	got, damage, err := dst.VerifyObject(importID, true)
	if err != nil || len(damage) > 0 {
		t.Fatalf("imported object: %v %v", damage, err)
	}
	if got.Kind != "exec" || len(got.Fingerprints) != 2 {
		t.Errorf("imported record: %+v", got)
	}
	if info, err := os.Stat(filepath.Join(dst.ObjectDir(importID), "run.sh")); err != nil || info.Mode().Perm() != 0o555 {
		t.Errorf("run.sh: %v %v, want read-only and executable", info.Mode(), err)
	}
	if _, ok, err := dst.LookupVerified(importID); !ok || err != nil {
		t.Errorf("LookupVerified of the imported object: %v %v", ok, err)
	}
	if _, dir, err := dst.Portable(importID); err != nil || !dir {
		t.Errorf("Portable: %v %v", dir, err)
	}
}
