package oci_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/imgpipe/imgpipe/engine/cache"
	"github.com/imgpipe/imgpipe/engine/cache/oci"
	"github.com/imgpipe/imgpipe/engine/cacheref"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/ociclient"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

const objID = "1111111111111111111111111111111111111111111111111111111111111111"

// commitObject commits an object with two identical files and one other.
func commitObject(t *testing.T, st *store.Store) {
	t.Helper()
	p, err := st.Begin(objID, true)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 50000)
	os.WriteFile(filepath.Join(p.OutDir, "a.img"), data, 0o644)
	os.WriteFile(filepath.Join(p.OutDir, "b.img"), data, 0o644)
	os.WriteFile(filepath.Join(p.OutDir, "c.txt"), []byte("other\n"), 0o644)
	if err := p.Commit(&store.Result{Kind: "exec", Stage: "s", Arch: "x86_64", Outputs: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

// TestPushFetch: an object pushed from one store is fetched whole into
// another; its two identical files are one blob in the registry. A forged
// manifest, whose record lists a file its layers do not carry, is refused
// naming the manifest's digest, and nothing enters the store.
func TestPushFetch(t *testing.T) {
	ctx := context.Background()
	addr, storage := podmantest.StartRegistryStorage(t)
	ref, err := cacheref.ParseRef(addr + "/objects")
	if err != nil {
		t.Fatal(err)
	}
	c, err := oci.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := store.Open(t.TempDir())
	commitObject(t, src)
	if err := c.Push(ctx, src, objID, nil); err != nil {
		t.Fatal(err)
	}
	blobs, _ := filepath.Glob(filepath.Join(storage, "docker/registry/v2/blobs/sha256/*/*/data"))
	// the empty config, the record, one blob for a.img and b.img, c.txt, the manifest
	if len(blobs) != 5 {
		t.Errorf("the registry holds %d blobs, want 5 (identical files are one)", len(blobs))
	}

	dst, _ := store.Open(t.TempDir())
	got, err := c.Fetch(ctx, dst, cache.Query{ID: objID})
	if err != nil || got != objID {
		t.Fatalf("Fetch = %q, %v", got, err)
	}
	if _, damage, err := dst.VerifyObject(objID, true); err != nil || len(damage) > 0 {
		t.Errorf("fetched object: %v %v", damage, err)
	}
	if _, err := c.Fetch(ctx, dst, cache.Query{ID: strings.Repeat("2", 64)}); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("Fetch of an absent ID: %v, want ErrMiss", err)
	}

	entries, err := c.List(ctx)
	if err != nil || len(entries) != 1 || len(entries[0].Tags) != 1 || entries[0].Kind != "exec" || entries[0].Size != 1000006 {
		t.Errorf("List = %+v, %v", entries, err)
	}

	// The forgery: the same record, but c.txt's layer swapped for a.img's.
	repo, err := ociclient.NewRepository(addr + "/objects")
	if err != nil {
		t.Fatal(err)
	}
	_, rc, err := repo.FetchReference(ctx, oci.IDTag(objID))
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	json.NewDecoder(rc).Decode(&m)
	rc.Close()
	for i, l := range m.Layers {
		if l.Annotations[ocispec.AnnotationTitle] == "c.txt" {
			m.Layers[i].Digest, m.Layers[i].Size = m.Layers[1].Digest, m.Layers[1].Size
		}
	}
	forged, _ := json.Marshal(m)
	fdesc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, forged)
	forgedID := strings.Repeat("3", 64)
	if err := repo.PushReference(ctx, fdesc, bytes.NewReader(forged), oci.IDTag(forgedID)); err != nil {
		t.Fatal(err)
	}
	other, _ := store.Open(t.TempDir())
	_, err = c.Fetch(ctx, other, cache.Query{ID: forgedID})
	refused, ok := errors.AsType[*cache.RefusedError](err)
	if !ok || refused.Digest != fdesc.Digest.String() || !strings.Contains(refused.Error(), "c.txt") {
		t.Errorf("Fetch of a forged entry: %v, want it refused naming %s and c.txt", err, fdesc.Digest)
	}
	if _, ok, _ := other.Lookup(objID); ok {
		t.Error("a refused entry entered the store")
	}

}
