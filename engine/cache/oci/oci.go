package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/imgpipe/imgpipe/engine/cache"
	"github.com/imgpipe/imgpipe/engine/cacheref"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/ociclient"
)

// Media types and annotations of the cache's entries.
const (
	ArtifactType    = "application/vnd.imgpipe.cache.object.v1"
	RecordMediaType = "application/vnd.imgpipe.cache.result.v1+json"
	FileMediaType   = "application/vnd.imgpipe.cache.file.v1"

	AnnotationID         = "io.github.imgpipe.cache.id"
	AnnotationContentKey = "io.github.imgpipe.cache.content-key"
	AnnotationKind       = "io.github.imgpipe.cache.kind"
	AnnotationStage      = "io.github.imgpipe.cache.stage"
	AnnotationArch       = "io.github.imgpipe.cache.arch"
	AnnotationSize       = "io.github.imgpipe.cache.size"
	AnnotationLayout     = "io.github.imgpipe.cache.layout" // "dir" or "record"
	AnnotationExecutable = "io.github.imgpipe.cache.executable"
)

// Bounds of what a fetch reads before it trusts anything.
const (
	maxManifest = 4 << 20
	maxRecord   = 16 << 20
	// requestTimeout bounds a request that moves no file: resolving a
	// tag, a manifest, a record. A file's transfer is bounded by the
	// idle timeout of internal/download instead.
	requestTimeout = 30 * time.Second
	// probeTimeout bounds a question that only tells whether the cache
	// answers or has an entry (plan, doctor): a registry that does not
	// answer by then is taken as down.
	probeTimeout = 5 * time.Second
)

// Cache is a team cache in one repository of a registry.
type Cache struct {
	ref  cacheref.Ref
	repo *remote.Repository
	// pushed remembers the manifests this process pushed or found, so a
	// run that pushes one object under several tags does not ask again.
	mu     sync.Mutex
	pushed map[string]bool
}

// Open returns the cache at ref (host[:port]/repo). It connects to
// nothing yet.
func Open(ref cacheref.Ref) (*Cache, error) {
	repo, err := ociclient.NewRepository(ref.Host + "/" + ref.Repo)
	if err != nil {
		return nil, err
	}
	repo.MaxMetadataBytes = maxManifest
	return &Cache{ref: ref, repo: repo, pushed: map[string]bool{}}, nil
}

func (c *Cache) String() string { return c.ref.String() }

// IDTag and KeyTag are the tags of an entry.
func IDTag(id string) string   { return "id-" + id }
func KeyTag(key string) string { return "key-" + key }

func (c *Cache) tagRef(tag string) string { return c.ref.Host + "/" + c.ref.Repo + ":" + tag }

// Fetch implements cache.Remote.
func (c *Cache) Fetch(ctx context.Context, st *store.Store, q cache.Query) (string, error) {
	tag := IDTag(q.ID)
	if q.ContentKey != "" {
		tag = KeyTag(q.ContentKey)
	}
	where := c.tagRef(tag)
	mdesc, m, err := c.manifest(ctx, tag)
	if err != nil {
		return "", err
	}
	refuse := func(d digest.Digest, format string, args ...any) error {
		return &cache.RefusedError{Ref: where, Digest: d.String(), Err: fmt.Errorf(format, args...)}
	}
	if m.ArtifactType != ArtifactType || len(m.Layers) == 0 || m.Layers[0].MediaType != RecordMediaType {
		return "", refuse(mdesc.Digest, "not an imgpipe cache entry (artifactType %q)", m.ArtifactType)
	}
	rdesc := m.Layers[0]
	if rdesc.Size > maxRecord || rdesc.Size < 0 {
		return "", refuse(rdesc.Digest, "a record of %d bytes (at most %d)", rdesc.Size, maxRecord)
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	b, err := content.FetchAll(rctx, c.repo.Blobs(), rdesc)
	cancel()
	if err != nil {
		return "", c.blobError(where, rdesc, err)
	}
	var res store.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return "", refuse(rdesc.Digest, "the record is not a result.json: %v", err)
	}
	switch {
	case q.ContentKey != "" && res.ContentKey != q.ContentKey:
		return "", refuse(rdesc.Digest, "the record is of content key %q", res.ContentKey)
	case q.ContentKey == "" && res.ID != q.ID && m.Annotations[AnnotationID] != res.ID:
		return "", refuse(rdesc.Digest, "the record is of object %q", res.ID)
	}
	if q.Accept != nil {
		if err := q.Accept(&res); err != nil {
			return "", refuse(rdesc.Digest, "%v", err)
		}
	}
	// Each file is the layer whose title is its path, and whose digest is
	// its sha256: checked here against the record, and byte by byte by
	// the store as it arrives.
	layers := map[string]ocispec.Descriptor{}
	for _, l := range m.Layers[1:] {
		title := l.Annotations[ocispec.AnnotationTitle]
		if _, dup := layers[title]; dup || l.MediaType != FileMediaType {
			return "", refuse(mdesc.Digest, "layer %s is not one file of the object", l.Digest)
		}
		layers[title] = l
	}
	if len(layers) != len(res.Files) {
		return "", refuse(mdesc.Digest, "%d file layers for %d files in the record", len(layers), len(res.Files))
	}
	for rel, f := range res.Files {
		l, ok := layers[rel]
		if !ok || l.Digest != digest.NewDigestFromEncoded(digest.SHA256, f.SHA256) || l.Size != f.Size {
			return "", refuse(mdesc.Digest, "file %s: no layer with the record's size and sha256", rel)
		}
	}
	var failed *ocispec.Descriptor
	open := func(ctx context.Context, rel string, f store.File) (io.ReadCloser, bool, error) {
		l := layers[rel]
		rc, err := c.repo.Blobs().Fetch(ctx, l)
		if err != nil {
			failed = &l
			return nil, false, err
		}
		failed = &l
		return rc, l.Annotations[AnnotationExecutable] == "true", nil
	}
	err = st.Import(ctx, res.ID, &res, m.Annotations[AnnotationLayout] != "record", open)
	if mm, ok := errors.AsType[*store.MismatchError](err); ok {
		return "", refuse(layers[mm.Path].Digest, "%v", mm)
	}
	if err != nil {
		if failed != nil && ctx.Err() == nil {
			return "", c.blobError(where, *failed, err)
		}
		return "", refuse(rdesc.Digest, "%v", err)
	}
	return res.ID, nil
}

// Has implements cache.Remote: a HEAD of the entry's manifest. A tag
// naming something other than an image manifest is no entry (Fetch would
// refuse it).
func (c *Cache) Has(ctx context.Context, q cache.Query) (bool, error) {
	tag := IDTag(q.ID)
	if q.ContentKey != "" {
		tag = KeyTag(q.ContentKey)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	desc, err := c.repo.Resolve(ctx, tag)
	switch {
	case errors.Is(err, errdef.ErrNotFound):
		return false, nil
	case err != nil:
		return false, &cache.UnreachableError{Ref: c.ref.String(), Err: err}
	}
	return desc.MediaType == ocispec.MediaTypeImageManifest, nil
}

// probeTag is the tag Check resolves: no entry has it (entries' tags start
// with id- or key-), so the registry answers "not found" when it lets this
// machine read the repository.
const probeTag = "imgpipe-doctor-probe"

// Check asks the registry what a run would: that it answers and lets this
// machine read the repository (a manifest HEAD), and, with push, that it
// accepts a blob: the empty JSON config every entry has, which adds
// nothing a reader finds. It returns an *UnreachableError when it does
// not (`imgpipe doctor`).
func (c *Cache) Check(ctx context.Context, push bool) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	_, err := c.repo.Resolve(ctx, probeTag)
	if err != nil && !errors.Is(err, errdef.ErrNotFound) {
		return &cache.UnreachableError{Ref: c.ref.String(), Err: err}
	}
	if !push {
		return nil
	}
	empty := ocispec.DescriptorEmptyJSON
	empty.Data = nil
	err = c.repo.Push(ctx, empty, bytes.NewReader(ocispec.DescriptorEmptyJSON.Data))
	if err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return &cache.UnreachableError{Ref: c.ref.String(), Err: fmt.Errorf("push refused: %w", err)}
	}
	return nil
}

// manifest resolves a tag and reads its manifest, bounded.
func (c *Cache) manifest(ctx context.Context, tag string) (ocispec.Descriptor, *ocispec.Manifest, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	desc, rc, err := c.repo.FetchReference(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return desc, nil, fmt.Errorf("%s: %w", c.tagRef(tag), cache.ErrMiss)
	}
	if err != nil {
		if errors.Is(err, errdef.ErrSizeExceedsLimit) {
			return desc, nil, &cache.RefusedError{Ref: c.tagRef(tag), Digest: desc.Digest.String(), Err: err}
		}
		return desc, nil, &cache.UnreachableError{Ref: c.ref.String(), Err: err}
	}
	defer rc.Close()
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return desc, nil, &cache.RefusedError{Ref: c.tagRef(tag), Digest: desc.Digest.String(), Err: fmt.Errorf("a %s, not an image manifest", desc.MediaType)}
	}
	b, err := content.ReadAll(rc, desc)
	if err != nil {
		return desc, nil, &cache.RefusedError{Ref: c.tagRef(tag), Digest: desc.Digest.String(), Err: err}
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return desc, nil, &cache.RefusedError{Ref: c.tagRef(tag), Digest: desc.Digest.String(), Err: err}
	}
	return desc, &m, nil
}

// blobError tells a blob that is missing or does not verify (the entry is
// refused) from a registry that stopped answering.
func (c *Cache) blobError(where string, d ocispec.Descriptor, err error) error {
	if errors.Is(err, errdef.ErrNotFound) || errors.Is(err, content.ErrMismatchedDigest) ||
		errors.Is(err, content.ErrTrailingData) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &cache.RefusedError{Ref: where, Digest: d.Digest.String(), Err: err}
	}
	return &cache.UnreachableError{Ref: c.ref.String(), Err: err}
}

// Push implements cache.Remote: blobs first, the manifest last, then its
// other tags.
func (c *Cache) Push(ctx context.Context, st *store.Store, id string, aliases []string) error {
	target := st.Target(id)
	res, dir, err := st.Portable(target)
	if err != nil {
		return err
	}
	tags := []string{IDTag(target)}
	for _, a := range append([]string{id}, aliases...) {
		if a != target && !slices.Contains(tags, IDTag(a)) {
			tags = append(tags, IDTag(a))
		}
	}
	if res.ContentKey != "" {
		tags = append(tags, KeyTag(res.ContentKey))
	}
	c.mu.Lock()
	var todo []string
	for _, t := range tags {
		if !c.pushed[t] {
			todo = append(todo, t)
		}
	}
	c.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	// An entry already there is not pushed again; the tags it lacks are
	// added to it.
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	existing, err := c.repo.Resolve(rctx, tags[0])
	cancel()
	switch {
	case err == nil:
		for _, t := range todo {
			if t == tags[0] {
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, requestTimeout)
			if _, err := c.repo.Resolve(rctx, t); errors.Is(err, errdef.ErrNotFound) {
				err = c.repo.Tag(rctx, existing, t)
			}
			cancel()
			if err != nil {
				return c.pushError(fmt.Errorf("tag %s: %w", c.tagRef(t), err))
			}
		}
		c.remember(tags...)
		return nil
	case !errors.Is(err, errdef.ErrNotFound):
		return &cache.UnreachableError{Ref: c.ref.String(), Err: err}
	}

	rec := *res
	rec.Fingerprints = nil // this machine's inodes
	rec.ID = target
	recBytes, err := json.MarshalIndent(&rec, "", "  ")
	if err != nil {
		return err
	}
	type blob struct {
		desc ocispec.Descriptor
		path string
		data []byte
	}
	empty := ocispec.DescriptorEmptyJSON
	empty.Data = nil
	blobs := []blob{{desc: empty, data: ocispec.DescriptorEmptyJSON.Data}}
	recDesc := content.NewDescriptorFromBytes(RecordMediaType, recBytes)
	blobs = append(blobs, blob{desc: recDesc, data: recBytes})
	layers := []ocispec.Descriptor{recDesc}
	var size int64
	root := st.ObjectDir(target)
	for _, rel := range slices.Sorted(maps.Keys(res.Files)) {
		f := res.Files[rel]
		path := filepath.Join(root, filepath.FromSlash(rel))
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		d := ocispec.Descriptor{
			MediaType:   FileMediaType,
			Digest:      digest.NewDigestFromEncoded(digest.SHA256, f.SHA256),
			Size:        f.Size,
			Annotations: map[string]string{ocispec.AnnotationTitle: rel},
		}
		if info.Mode()&0o111 != 0 {
			d.Annotations[AnnotationExecutable] = "true"
		}
		blobs = append(blobs, blob{desc: d, path: path})
		layers = append(layers, d)
		size += f.Size
	}
	layout := "dir"
	if !dir {
		layout = "record"
	}
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: ArtifactType,
		Config:       empty,
		Layers:       layers,
		Annotations: map[string]string{
			AnnotationID:              target,
			AnnotationKind:            res.Kind,
			AnnotationStage:           res.Stage,
			AnnotationArch:            res.Arch,
			AnnotationSize:            strconv.FormatInt(size, 10),
			AnnotationLayout:          layout,
			ocispec.AnnotationCreated: time.Now().UTC().Format(time.RFC3339),
		},
	}
	if res.ContentKey != "" {
		m.Annotations[AnnotationContentKey] = res.ContentKey
	}
	for _, b := range blobs {
		if err := c.pushBlob(ctx, b.desc, b.path, b.data); err != nil {
			return c.pushError(err)
		}
	}
	mbytes, err := json.Marshal(m)
	if err != nil {
		return err
	}
	mdesc := content.NewDescriptorFromBytes(m.MediaType, mbytes)
	for _, tag := range tags {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := c.repo.PushReference(rctx, mdesc, bytes.NewReader(mbytes), tag)
		cancel()
		if err != nil {
			return c.pushError(fmt.Errorf("push manifest %s: %w", c.tagRef(tag), err))
		}
	}
	c.remember(tags...)
	return nil
}

func (c *Cache) remember(tags ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tags {
		c.pushed[t] = true
	}
}

// pushError is a failed push: the registry's answer, as an
// *UnreachableError unless the context ended.
func (c *Cache) pushError(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &cache.UnreachableError{Ref: c.ref.String(), Err: err}
}

// pushBlob pushes a blob the registry does not have yet: identical files
// are one blob.
func (c *Cache) pushBlob(ctx context.Context, d ocispec.Descriptor, path string, data []byte) error {
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	ok, err := c.repo.Exists(rctx, d)
	cancel()
	if err != nil || ok {
		return err
	}
	var r io.Reader = bytes.NewReader(data)
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	err = c.repo.Push(ctx, d, r)
	if errors.Is(err, errdef.ErrAlreadyExists) {
		return nil
	}
	return err
}

// Entry is one entry of the cache, as `imgpipe cache ls` shows it.
type Entry struct {
	Digest  string    `json:"digest"`
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Stage   string    `json:"stage"`
	Arch    string    `json:"arch"`
	Size    int64     `json:"size"`
	Created time.Time `json:"created"`
	Tags    []string  `json:"tags"`

	manifest ocispec.Descriptor
}

// List reads every entry of the cache: its tags, and the annotations of
// the manifest each names. Tags that name no imgpipe entry are left out.
func (c *Cache) List(ctx context.Context) ([]Entry, error) {
	var tags []string
	err := c.repo.Tags(ctx, "", func(ts []string) error {
		for _, t := range ts {
			if strings.HasPrefix(t, "id-") || strings.HasPrefix(t, "key-") {
				tags = append(tags, t)
			}
		}
		return nil
	})
	if er, ok := errors.AsType[*errcode.ErrorResponse](err); errors.Is(err, errdef.ErrNotFound) || ok && er.StatusCode == http.StatusNotFound {
		return nil, nil // a repository nothing was pushed to
	}
	if err != nil {
		return nil, &cache.UnreachableError{Ref: c.ref.String(), Err: err}
	}
	byDigest := map[string]*Entry{}
	for _, t := range tags {
		desc, m, err := c.manifest(ctx, t)
		if errors.Is(err, cache.ErrMiss) {
			continue // deleted meanwhile
		}
		if _, unreachable := errors.AsType[*cache.UnreachableError](err); unreachable {
			return nil, err
		}
		if err != nil || m.ArtifactType != ArtifactType {
			continue
		}
		e := byDigest[desc.Digest.String()]
		if e == nil {
			a := m.Annotations
			size, _ := strconv.ParseInt(a[AnnotationSize], 10, 64)
			created, _ := time.Parse(time.RFC3339, a[ocispec.AnnotationCreated])
			e = &Entry{Digest: desc.Digest.String(), ID: a[AnnotationID], Kind: a[AnnotationKind], Stage: a[AnnotationStage],
				Arch: a[AnnotationArch], Size: size, Created: created, manifest: desc}
			byDigest[desc.Digest.String()] = e
		}
		e.Tags = append(e.Tags, t)
	}
	entries := make([]Entry, 0, len(byDigest))
	for _, e := range byDigest {
		slices.Sort(e.Tags)
		entries = append(entries, *e)
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Digest, b.Digest)
	})
	return entries, nil
}

// Delete deletes an entry's manifest, and so every tag naming it. Its
// blobs stay until the registry collects its garbage
// (docs/team-cache.md).
func (c *Cache) Delete(ctx context.Context, e Entry) error {
	err := c.repo.Manifests().Delete(ctx, e.manifest)
	if err != nil && !errors.Is(err, errdef.ErrNotFound) {
		return fmt.Errorf("delete %s@%s: %w", c.ref, e.Digest, err)
	}
	return nil
}
