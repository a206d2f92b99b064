package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/ociclient"
)

// Media types and annotations of what upload pushes.
const (
	// ArtifactType is the artifactType of a manifest of disk images.
	ArtifactType = "application/vnd.imgpipe.image.v1"
	// LayerMediaTypePrefix + format is the media type of one disk image.
	LayerMediaTypePrefix = "application/vnd.imgpipe.image.layer.v1."

	AnnotationNVR     = "io.github.imgpipe.nvr"
	AnnotationArch    = "io.github.imgpipe.arch"
	AnnotationFormat  = "io.github.imgpipe.format"
	AnnotationRelease = "io.github.imgpipe.release-key"
)

// ociRef is a parsed oci://host[:port]/repo:tag.
type ociRef struct {
	Host, Repo, Tag string
}

func (r ociRef) String() string { return r.Host + "/" + r.Repo + ":" + r.Tag }

func parseOCI(s string) (ociRef, error) {
	rest, ok := strings.CutPrefix(s, "oci://")
	if !ok {
		return ociRef{}, fmt.Errorf("%q is neither \"store\" nor an oci:// reference", s)
	}
	host, path, ok := strings.Cut(rest, "/")
	if !ok || host == "" {
		return ociRef{}, fmt.Errorf("%q has no repository: want oci://host[:port]/repo:tag", s)
	}
	i := strings.LastIndex(path, ":")
	if i < 0 || strings.Contains(path[i:], "/") {
		return ociRef{}, fmt.Errorf("%q has no tag: want oci://host[:port]/repo:tag", s)
	}
	r := ociRef{Host: host, Repo: path[:i], Tag: path[i+1:]}
	parsed, err := registry.ParseReference(r.String())
	if err != nil {
		return ociRef{}, fmt.Errorf("%q: %w", s, err)
	}
	if parsed.Reference != r.Tag {
		return ociRef{}, fmt.Errorf("%q: want a tag, not a digest", s)
	}
	return r, nil
}

// blob is one blob to push: a file, or bytes.
type blob struct {
	desc ocispec.Descriptor
	path string
	data []byte
}

func (b blob) open() (io.ReadCloser, error) {
	if b.data != nil {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
	return os.Open(b.path)
}

// pushOCI pushes this architecture's artifacts to a registry (to =
// oci://...). Disk images become one artifact manifest with a layer per
// image; the docker format becomes a runnable image. With several
// architectures the tag is an image index holding each one's manifest,
// each also tagged <tag>-<arch>.
func pushOCI(ctx context.Context, s *kind.Stage, cfg *config, st *store.Store) (string, error) {
	ref, err := parseOCI(cfg.To)
	if err != nil {
		return "", err
	}
	b := s.Build
	if b.Release == "" {
		return "", errors.New("upload: the build has no release")
	}
	log := s.Log
	if log == nil {
		log = io.Discard
	}
	nvr := b.Name + "-" + b.Version + "-" + b.Release
	repo, err := newRepository(ref)
	if err != nil {
		return "", err
	}
	p := &publication{st: st, s: s, cfg: cfg, arch: s.Arch}

	var blobs []blob
	var manifest ocispec.Manifest
	annotations := map[string]string{AnnotationNVR: nvr, AnnotationArch: s.Arch}
	goarch, variant := kojifacts.OCIArch(s.Arch)
	platform := &ocispec.Platform{OS: "linux", Architecture: goarch, Variant: variant}
	if docker, ok := cfg.Artifacts["docker"]; ok {
		if len(cfg.Artifacts) > 1 {
			return "", fmt.Errorf("upload: %s holds one thing: the docker format as a runnable image, or disk images as an artifact; use two upload stages with different tags", ref)
		}
		tmp, err := os.MkdirTemp(s.Scratch, "docker-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(tmp)
		img, err := readDockerArchive(ctx, p.abs(docker), tmp)
		if err != nil {
			return "", err
		}
		if img.platform != nil {
			platform = img.platform
		}
		blobs = append(blobs, img.config)
		manifest = ocispec.Manifest{
			Versioned:   specs.Versioned{SchemaVersion: 2},
			MediaType:   ocispec.MediaTypeImageManifest,
			Config:      img.config.desc,
			Annotations: annotations,
		}
		for _, l := range img.layers {
			blobs = append(blobs, l)
			manifest.Layers = append(manifest.Layers, l.desc)
		}
	} else {
		empty := blob{desc: ocispec.DescriptorEmptyJSON, data: ocispec.DescriptorEmptyJSON.Data}
		empty.desc.Data = nil
		blobs = append(blobs, empty)
		manifest = ocispec.Manifest{
			Versioned:    specs.Versioned{SchemaVersion: 2},
			MediaType:    ocispec.MediaTypeImageManifest,
			ArtifactType: ArtifactType,
			Config:       empty.desc,
			Layers:       []ocispec.Descriptor{},
			Annotations:  annotations,
		}
		formats := make([]string, 0, len(cfg.Artifacts))
		for f := range cfg.Artifacts {
			formats = append(formats, f)
		}
		slices.Sort(formats)
		for _, f := range formats {
			srcs, err := artifactFiles(p.abs(cfg.Artifacts[f]))
			if err != nil {
				return "", err
			}
			for _, src := range srcs {
				it := &item{src: src}
				if err := p.digestFromStore(it); err != nil {
					return "", err
				}
				if it.sha256 == "" {
					if it.size, it.sha256, err = hashFile(it.src); err != nil {
						return "", err
					}
				}
				desc := ocispec.Descriptor{
					MediaType: LayerMediaTypePrefix + f,
					Digest:    digest.NewDigestFromEncoded(digest.SHA256, it.sha256),
					Size:      it.size,
					Annotations: map[string]string{
						ocispec.AnnotationTitle: imageFileName(b, s.Arch, f, it.src),
						AnnotationFormat:        f,
						AnnotationArch:          s.Arch,
					},
				}
				blobs = append(blobs, blob{desc: desc, path: it.src})
				manifest.Layers = append(manifest.Layers, desc)
			}
		}
	}
	mbytes, err := json.Marshal(manifest)
	if err != nil {
		return "", err
	}
	mdesc := content.NewDescriptorFromBytes(manifest.MediaType, mbytes)
	mdesc.ArtifactType = manifest.ArtifactType
	mdesc.Platform = platform
	mdesc.Annotations = map[string]string{AnnotationArch: s.Arch}

	multi := len(b.Arches) > 1
	tag := ref.Tag
	if multi {
		tag = ref.Tag + "-" + s.Arch
	}
	loc := ref.Host + "/" + ref.Repo + ":" + tag + "@" + mdesc.Digest.String()

	// The destination first: a tag that already names this manifest is up
	// to date.
	if cur, err := repo.Resolve(ctx, tag); err == nil && cur.Digest == mdesc.Digest {
		if !multi {
			fmt.Fprintf(log, "%s (%s) is up to date: %s\n", nvr, s.Arch, loc)
			return loc, nil
		}
		if ok, err := indexHas(ctx, repo, ref.Tag, nvr, mdesc); err == nil && ok {
			fmt.Fprintf(log, "%s (%s) is up to date: %s\n", nvr, s.Arch, loc)
			return loc, nil
		}
	} else if err != nil && !errors.Is(err, errdef.ErrNotFound) {
		return "", fmt.Errorf("upload: %s: %w", ref, err)
	}

	for _, bl := range blobs {
		if err := pushBlob(ctx, repo, bl); err != nil {
			return "", fmt.Errorf("upload: push to %s: %w", ref, err)
		}
	}
	if err := repo.PushReference(ctx, manifestDesc(mdesc), bytes.NewReader(mbytes), tag); err != nil {
		return "", fmt.Errorf("upload: push manifest to %s:%s: %w", ref.Host+"/"+ref.Repo, tag, err)
	}
	if multi {
		if err := updateIndex(ctx, st, repo, ref, nvr, s.ReleaseKey, mdesc); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(log, "pushed %s (%s): %s\n", nvr, s.Arch, loc)
	return loc, nil
}

// manifestDesc is a manifest's descriptor as pushed: the fields an index
// entry carries are not part of the request.
func manifestDesc(d ocispec.Descriptor) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

func pushBlob(ctx context.Context, repo *remote.Repository, b blob) error {
	ok, err := repo.Exists(ctx, b.desc)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	r, err := b.open()
	if err != nil {
		return err
	}
	defer r.Close()
	err = repo.Push(ctx, b.desc, r)
	if errors.Is(err, errdef.ErrAlreadyExists) {
		return nil
	}
	return err
}

// indexHas reports whether the index at tag is this build's and lists the
// manifest.
func indexHas(ctx context.Context, repo *remote.Repository, tag, nvr string, m ocispec.Descriptor) (bool, error) {
	idx, err := fetchIndex(ctx, repo, tag)
	if err != nil || idx == nil || idx.Annotations[AnnotationNVR] != nvr {
		return false, err
	}
	return slices.ContainsFunc(idx.Manifests, func(d ocispec.Descriptor) bool { return d.Digest == m.Digest }), nil
}

// fetchIndex returns the image index at tag, or nil when the tag is absent
// or names something else.
func fetchIndex(ctx context.Context, repo *remote.Repository, tag string) (*ocispec.Index, error) {
	desc, rc, err := repo.FetchReference(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if desc.MediaType != ocispec.MediaTypeImageIndex {
		return nil, nil
	}
	b, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, err
	}
	var idx ocispec.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}

// updateIndex puts this architecture's manifest into the index at the tag:
// read, modified and written under a store lock, so the architectures of a
// run do not lose each other's entries. An index of another build is
// replaced.
func updateIndex(ctx context.Context, st *store.Store, repo *remote.Repository, ref ociRef, nvr, key string, m ocispec.Descriptor) error {
	unlock, err := st.LockContext(ctx, "oci/"+ref.String())
	if err != nil {
		return err
	}
	defer unlock()
	idx, err := fetchIndex(ctx, repo, ref.Tag)
	if err != nil {
		return fmt.Errorf("upload: read index %s: %w", ref, err)
	}
	if idx == nil || idx.Annotations[AnnotationNVR] != nvr || idx.Annotations[AnnotationRelease] != key {
		idx = &ocispec.Index{
			Versioned:   specs.Versioned{SchemaVersion: 2},
			MediaType:   ocispec.MediaTypeImageIndex,
			Annotations: map[string]string{AnnotationNVR: nvr, AnnotationRelease: key},
		}
	}
	arch := m.Annotations[AnnotationArch]
	idx.Manifests = slices.DeleteFunc(idx.Manifests, func(d ocispec.Descriptor) bool { return d.Annotations[AnnotationArch] == arch })
	idx.Manifests = append(idx.Manifests, m)
	slices.SortFunc(idx.Manifests, func(a, b ocispec.Descriptor) int {
		return strings.Compare(a.Annotations[AnnotationArch], b.Annotations[AnnotationArch])
	})
	data, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageIndex, data)
	if err := repo.PushReference(ctx, desc, bytes.NewReader(data), ref.Tag); err != nil {
		return fmt.Errorf("upload: push index %s: %w", ref, err)
	}
	return nil
}

// newRepository opens the repository of ref (internal/ociclient).
func newRepository(ref ociRef) (*remote.Repository, error) {
	return ociclient.NewRepository(ref.Host + "/" + ref.Repo)
}
