package upload

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerImage is a docker-archive (docker save, podman save) read for an
// OCI push: its config and layers as blobs.
type dockerImage struct {
	config   blob
	layers   []blob
	platform *ocispec.Platform
}

// Magic numbers of the compressions a docker archive may come in (Koji's
// docker format is xz).
var (
	magicXZ   = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// readDockerArchive unpacks a docker-archive, possibly xz-, gzip- or
// zstd-compressed, into dir and describes its config and layers. The
// config is pushed as it is (Docker's image config is OCI's, plus fields
// OCI ignores), the layers as OCI layers of the media type their content
// has.
func readDockerArchive(ctx context.Context, archive, dir string) (*dockerImage, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(6)
	var r io.Reader = br
	wait := func() error { return nil }
	switch {
	case bytes.HasPrefix(head, magicXZ), bytes.HasPrefix(head, magicZstd):
		tool := "xz"
		if bytes.HasPrefix(head, magicZstd) {
			tool = "zstd"
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops the decompressor if reading ends early
		cmd := exec.CommandContext(cctx, tool, "-dc")
		cmd.Stdin = br
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("decompress %s: %w", archive, err)
		}
		defer cmd.Wait()
		r = out
		wait = func() error {
			io.Copy(io.Discard, out)
			if err := cmd.Wait(); err != nil {
				return fmt.Errorf("decompress %s: %s %w", archive, strings.TrimSpace(stderr.String()), err)
			}
			return nil
		}
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	type entry struct {
		path   string
		digest digest.Digest
		size   int64
	}
	files := map[string]entry{}
	links := map[string]string{}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			if err := wait(); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not a docker archive: %w", archive, err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return nil, fmt.Errorf("%s: entry %q escapes the archive", archive, h.Name)
		}
		switch h.Typeflag {
		case tar.TypeReg:
			dst := filepath.Join(dir, fmt.Sprintf("f%d", len(files)))
			out, err := os.Create(dst)
			if err != nil {
				return nil, err
			}
			hash := sha256.New()
			n, err := io.Copy(io.MultiWriter(out, hash), tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", archive, err)
			}
			files[name] = entry{dst, digest.NewDigest(digest.SHA256, hash), n}
		case tar.TypeSymlink, tar.TypeLink:
			target := h.Linkname
			if h.Typeflag == tar.TypeSymlink && !path.IsAbs(target) {
				target = path.Join(path.Dir(name), target)
			}
			links[name] = path.Clean(strings.TrimPrefix(target, "./"))
		}
	}
	lookup := func(name string) (entry, error) {
		name = path.Clean(name)
		for range 10 {
			if e, ok := files[name]; ok {
				return e, nil
			}
			t, ok := links[name]
			if !ok {
				break
			}
			name = t
		}
		return entry{}, fmt.Errorf("%s: docker archive names %s, which it does not hold", archive, name)
	}
	me, err := lookup("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("%s: not a docker archive (no manifest.json)", archive)
	}
	var manifests []struct {
		Config string
		Layers []string
	}
	if err := readJSONFile(me.path, &manifests); err != nil {
		return nil, fmt.Errorf("%s: manifest.json: %w", archive, err)
	}
	if len(manifests) != 1 {
		return nil, fmt.Errorf("%s: a docker archive of %d images; upload pushes one", archive, len(manifests))
	}
	ce, err := lookup(manifests[0].Config)
	if err != nil {
		return nil, err
	}
	cfgData, err := os.ReadFile(ce.path)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Variant      string `json:"variant"`
		RootFS       struct {
			DiffIDs []digest.Digest `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(cfgData, &cfg); err != nil {
		return nil, fmt.Errorf("%s: image config: %w", archive, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(manifests[0].Layers) {
		return nil, fmt.Errorf("%s: the image config lists %d layers, manifest.json %d", archive, len(cfg.RootFS.DiffIDs), len(manifests[0].Layers))
	}
	img := &dockerImage{config: blob{
		desc: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: ce.digest, Size: ce.size},
		data: cfgData,
	}}
	if cfg.Architecture != "" {
		img.platform = &ocispec.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
		if img.platform.OS == "" {
			img.platform.OS = "linux"
		}
	}
	for i, l := range manifests[0].Layers {
		le, err := lookup(l)
		if err != nil {
			return nil, err
		}
		mt, err := layerMediaType(le.path)
		if err != nil {
			return nil, err
		}
		if mt == ocispec.MediaTypeImageLayer && le.digest != cfg.RootFS.DiffIDs[i] {
			return nil, fmt.Errorf("%s: layer %s has digest %s, the config says %s", archive, l, le.digest, cfg.RootFS.DiffIDs[i])
		}
		img.layers = append(img.layers, blob{
			desc: ocispec.Descriptor{MediaType: mt, Digest: le.digest, Size: le.size},
			path: le.path,
		})
	}
	return img, nil
}

// layerMediaType tells an uncompressed layer from a gzip or zstd one.
func layerMediaType(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return ocispec.MediaTypeImageLayerGzip, nil
	case bytes.HasPrefix(head, magicZstd):
		return ocispec.MediaTypeImageLayerZstd, nil
	}
	return ocispec.MediaTypeImageLayer, nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
