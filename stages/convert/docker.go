package convert

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strings"

	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/stages/convert/internal/rootfs"
)

// The docker format: ImageFactory's Docker plugin, which Koji calls with
// compress=xz. The plugin mounts the disk with libguestfs and runs `tar -cf
// layer.tar --exclude=./etc/fstab ./`; convert reads the root file system
// itself (package rootfs), without privileges, and streams the layer into
// the archive twice (once for its digest, once into the archive) rather
// than keep a copy of it.

// dockerConfig is the image configuration of a docker-archive (docker
// 1.10+, the layout podman, docker and skopeo load).
type dockerConfig struct {
	Architecture  string          `json:"architecture"`
	Variant       string          `json:"variant,omitempty"`
	Comment       string          `json:"comment"`
	Config        containerConfig `json:"config"`
	Created       string          `json:"created"`
	DockerVersion string          `json:"docker_version"`
	History       []history       `json:"history"`
	OS            string          `json:"os"`
	RootFS        struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

type containerConfig struct {
	Cmd    []string          `json:"Cmd"`
	Env    []string          `json:"Env"`
	Labels map[string]string `json:"Labels"`
}

type history struct {
	Comment string `json:"comment"`
	Created string `json:"created"`
}

// legacyImage is the layer directory's json, the v1 image ImageFactory
// writes beside layer.tar.
type legacyImage struct {
	ID              string          `json:"id"`
	Comment         string          `json:"comment"`
	Created         string          `json:"created"`
	ContainerConfig containerConfig `json:"container_config"`
	DockerVersion   string          `json:"docker_version"`
	Architecture    string          `json:"architecture"`
	OS              string          `json:"os"`
	Size            int64           `json:"Size"`
}

type manifestEntry struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

func buildDocker(ctx context.Context, j *job, f *fmtRun) (string, error) {
	opts, err := dockerParams(j.cfg.Factory, j.base, j.s.Arch)
	if err != nil {
		return "", err
	}
	root, err := j.rootPartition()
	if err != nil {
		return "", err
	}
	if !rootfs.IsExt(root.FS) {
		return "", fmt.Errorf("the root file system is %s on %s: imgpipe reads ext2/3/4 file systems only", root.FS, root)
	}
	fsys, err := rootfs.Open(j.file, root.Start, root.Size)
	if err != nil {
		return "", fmt.Errorf("%s: %w", root, err)
	}
	exclude, err := tarExcluder(opts.Excludes)
	if err != nil {
		return "", err
	}
	layer := func(w io.Writer) (rootfs.TarStats, error) {
		return fsys.WriteTar(ctx, w, rootfs.TarOptions{Exclude: exclude})
	}
	inputs := []string{j.disk}
	if !opts.Metadata {
		// create_docker_metadata = false: the root file system's tar alone.
		return "", j.filter(ctx, f, xzArgs(""), f.out, inputs, func(w io.Writer) error {
			_, err := layer(w)
			return err
		})
	}

	// First pass: the layer's digest and size.
	h := sha256.New()
	cw := &countWriter{w: h}
	stats, err := layer(cw)
	if err != nil {
		return "", err
	}
	diffID := hex.EncodeToString(h.Sum(nil))
	fmt.Fprintf(f.log, "layer: %d entries, %d bytes of files, %d bytes of tar, sha256:%s\n", stats.Entries, stats.RegularBytes, cw.n, diffID)

	id := opts.ImageID
	if id == "" {
		id = diffID
	}
	arch, variant := kojifacts.OCIArch(j.s.Arch)
	created := epoch.Format("2006-01-02T15:04:05Z")
	cc := containerConfig{Cmd: opts.Cmd, Env: opts.Env, Labels: opts.Labels}
	cfg := dockerConfig{
		Architecture:  arch,
		Variant:       variant,
		Comment:       opts.Comment,
		Config:        cc,
		Created:       created,
		DockerVersion: "1.10.1",
		History:       []history{{Comment: opts.Comment, Created: created}},
		OS:            opts.OS,
	}
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = []string{"sha256:" + diffID}
	cfgJSON := mustJSON(cfg)
	cfgSum := sha256.Sum256(cfgJSON)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	ref := opts.Repository + ":" + opts.Tag
	manifest := mustJSON([]manifestEntry{{Config: cfgName, RepoTags: []string{ref}, Layers: []string{id + "/layer.tar"}}})
	repositories := mustJSON(map[string]map[string]string{opts.Repository: {opts.Tag: id}})
	legacy := mustJSON(legacyImage{
		ID: id, Comment: opts.Comment, Created: created, ContainerConfig: cc,
		DockerVersion: "1.10.1", Architecture: arch, OS: opts.OS, Size: stats.RegularBytes,
	})
	fmt.Fprintf(f.log, "image %s, config %s\n", ref, cfgName)

	// Second pass, into the archive.
	return "", j.filter(ctx, f, xzArgs(""), f.out, inputs, func(w io.Writer) error {
		tw := tar.NewWriter(w)
		file := func(name string, data []byte) error {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch}); err != nil {
				return err
			}
			_, err := tw.Write(data)
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: id + "/", Mode: 0o755, ModTime: epoch}); err != nil {
			return err
		}
		if err := file(id+"/VERSION", []byte("1.0")); err != nil {
			return err
		}
		if err := file(id+"/json", legacy); err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: id + "/layer.tar", Mode: 0o644, Size: cw.n, ModTime: epoch}); err != nil {
			return err
		}
		h2 := sha256.New()
		if _, err := layer(io.MultiWriter(tw, h2)); err != nil {
			return fmt.Errorf("layer.tar: %w", err)
		}
		if got := hex.EncodeToString(h2.Sum(nil)); got != diffID {
			return fmt.Errorf("the layer read differently the second time (sha256:%s, then sha256:%s): did the disk change?", diffID, got)
		}
		for _, m := range []struct {
			name string
			data []byte
		}{{cfgName, cfgJSON}, {"manifest.json", manifest}, {"repositories", repositories}} {
			if err := file(m.name, m.data); err != nil {
				return err
			}
		}
		return tw.Close()
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// countWriter counts the bytes it passes on.
type countWriter struct {
	w hash.Hash
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// tarExcluder matches archive member names ("./etc/fstab") as GNU tar's
// --exclude does by default (--wildcards --no-anchored
// --wildcards-match-slash): shell wildcards, where * and ? match / too,
// against the whole name or any tail of it that starts after a slash.
func tarExcluder(patterns []string) (func(string) bool, error) {
	var res []*regexp.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile(`^(?:.*/)?` + wildcardRegexp(strings.TrimSuffix(p, "/")) + `$`)
		if err != nil {
			return nil, fmt.Errorf("tar_excludes pattern %q: %w", p, err)
		}
		res = append(res, re)
	}
	return func(name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}, nil
}

// wildcardRegexp translates a shell wildcard pattern into a regular
// expression: *, ?, [...] (with ! or ^ to negate) and \ escapes.
func wildcardRegexp(p string) string {
	var b bytes.Buffer
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			} else {
				b.WriteString(`\\`)
			}
		case '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := p[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}
