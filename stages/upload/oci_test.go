package upload_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/stages/upload"
)

// pull copies a tag from the registry into memory, as a client would.
func pull(t *testing.T, host, repo, tag string) (*memory.Store, ocispec.Descriptor) {
	t.Helper()
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	r.PlainHTTP = true
	dst := memory.New()
	desc, err := oras.Copy(t.Context(), r, tag, dst, tag, oras.DefaultCopyOptions)
	if err != nil {
		t.Fatalf("pull %s/%s:%s: %v", host, repo, tag, err)
	}
	return dst, desc
}

func fetchJSON(t *testing.T, st content.Fetcher, desc ocispec.Descriptor, v any) []byte {
	t.Helper()
	b, err := content.FetchAll(t.Context(), st, desc)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestParseOCI(t *testing.T) {
	for in, want := range map[string]string{
		"oci://127.0.0.1:5000/imgpipe/fedora:41-1":         "127.0.0.1:5000/imgpipe/fedora:41-1",
		"oci://registry.example.org/a/b/c:latest":          "registry.example.org/a/b/c:latest",
		"oci://localhost/x:1":                              "localhost/x:1",
		"oci://127.0.0.1:5000/fedora":                      "error: has no tag",
		"oci://127.0.0.1:5000":                             "error: has no repository",
		"oci://host/Fedora:1":                              "error: invalid reference",
		"docker://host/x:1":                                `error: is neither "store" nor an oci:// reference`,
		"oci://host/x:1@sha256:" + strings.Repeat("a", 64): "error:",
	} {
		got, err := upload.ParseOCI(in)
		if err != nil {
			if !strings.HasPrefix(want, "error:") || !strings.Contains(err.Error(), strings.TrimSpace(strings.TrimPrefix(want, "error:"))) {
				t.Errorf("%s: error %v, want %s", in, err, want)
			}
			continue
		}
		if got.String() != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestOCIPushDiskImages pushes one arch's disk images to a registry on
// loopback, pulls them back and compares digests with the files'.
func TestOCIPushDiskImages(t *testing.T) {
	host := podmantest.StartRegistry(t)
	e := newEnv(t)
	b := testBuild("x86_64")
	fx := e.images(b, "x86_64", "")
	to := "oci://" + host + "/imgpipe/fedora-cloud:41-1"
	s, log := e.stage(b, "x86_64", fx, to)
	loc := runStage(t, s)
	if !strings.HasPrefix(loc, host+"/imgpipe/fedora-cloud:41-1@sha256:") {
		t.Errorf("location %q", loc)
	}
	if !strings.Contains(log.String(), "pushed fedora-cloud-41-1 (x86_64)") {
		t.Errorf("log:\n%s", log)
	}

	st, desc := pull(t, host, "imgpipe/fedora-cloud", "41-1")
	if desc.MediaType != ocispec.MediaTypeImageManifest || "sha256:"+strings.SplitN(loc, "@sha256:", 2)[1] != desc.Digest.String() {
		t.Errorf("tag resolves to %+v, the upload said %s", desc, loc)
	}
	var m ocispec.Manifest
	fetchJSON(t, st, desc, &m)
	if m.ArtifactType != upload.ArtifactType || m.Config.MediaType != ocispec.MediaTypeEmptyJSON {
		t.Errorf("manifest artifactType %q, config %q", m.ArtifactType, m.Config.MediaType)
	}
	if m.Annotations[upload.AnnotationNVR] != "fedora-cloud-41-1" || m.Annotations[upload.AnnotationArch] != "x86_64" {
		t.Errorf("manifest annotations %v", m.Annotations)
	}
	if len(m.Layers) != 2 {
		t.Fatalf("layers %+v, want qcow2 and raw", m.Layers)
	}
	for _, l := range m.Layers {
		format := l.Annotations[upload.AnnotationFormat]
		src := fx.artifacts[format]
		if src == "" {
			t.Errorf("layer with format %q", format)
			continue
		}
		if want := "sha256:" + sha256sum(t, src); l.Digest.String() != want {
			t.Errorf("%s: layer digest %s, file %s", format, l.Digest, want)
		}
		if l.MediaType != upload.LayerMediaTypePrefix+format || l.Annotations[ocispec.AnnotationTitle] != "fedora-cloud-41-1.x86_64."+format {
			t.Errorf("%s: layer %+v", format, l)
		}
		// The pulled content is the file.
		rc, err := st.Fetch(t.Context(), l)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		io.Copy(h, rc)
		rc.Close()
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.Digest.String() {
			t.Errorf("%s: pulled content has digest %s", format, got)
		}
	}

	// Again: up to date.
	s, log = e.stage(b, "x86_64", fx, to)
	if loc2 := runStage(t, s); loc2 != loc {
		t.Errorf("second push at %s, first at %s", loc2, loc)
	}
	if !strings.Contains(log.String(), "is up to date") {
		t.Errorf("second push's log:\n%s", log)
	}
}

// TestOCIPushMultiArch: two arches pushing to one tag at once make an
// image index of both; each is also tagged <tag>-<arch>.
func TestOCIPushMultiArch(t *testing.T) {
	host := podmantest.StartRegistry(t)
	e := newEnv(t)
	b := testBuild("x86_64", "aarch64")
	to := "oci://" + host + "/imgpipe/fedora-cloud:41"
	var wg sync.WaitGroup
	for _, arch := range b.Arches {
		s, _ := e.stage(b, arch, e.images(b, arch, ""), to)
		wg.Go(func() { runStage(t, s) })
	}
	wg.Wait()
	st, desc := pull(t, host, "imgpipe/fedora-cloud", "41")
	if desc.MediaType != ocispec.MediaTypeImageIndex {
		t.Fatalf("tag is %s, want an index", desc.MediaType)
	}
	var idx ocispec.Index
	fetchJSON(t, st, desc, &idx)
	var plats []string
	for _, d := range idx.Manifests {
		plats = append(plats, d.Platform.OS+"/"+d.Platform.Architecture+" "+d.Annotations[upload.AnnotationArch]+" "+d.ArtifactType)
		var m ocispec.Manifest
		fetchJSON(t, st, d, &m)
		if m.Annotations[upload.AnnotationArch] != d.Annotations[upload.AnnotationArch] {
			t.Errorf("index entry %v holds the manifest of %v", d.Annotations, m.Annotations)
		}
	}
	want := []string{"linux/arm64 aarch64 " + upload.ArtifactType, "linux/amd64 x86_64 " + upload.ArtifactType}
	if !slices.Equal(plats, want) {
		t.Errorf("index entries:\n%q\nwant\n%q", plats, want)
	}
	for _, arch := range b.Arches {
		_, d := pull(t, host, "imgpipe/fedora-cloud", "41-"+arch)
		if !slices.ContainsFunc(idx.Manifests, func(m ocispec.Descriptor) bool { return m.Digest == d.Digest }) {
			t.Errorf("tag 41-%s (%s) is not in the index", arch, d.Digest)
		}
	}
	// Again: both up to date, the index unchanged.
	for _, arch := range b.Arches {
		s, log := e.stage(b, arch, e.images(b, arch, ""), to)
		runStage(t, s)
		if !strings.Contains(log.String(), "is up to date") {
			t.Errorf("%s second push's log:\n%s", arch, log)
		}
	}
	if _, d := pull(t, host, "imgpipe/fedora-cloud", "41"); d.Digest != desc.Digest {
		t.Errorf("index changed on an up-to-date push")
	}
}

// TestOCIRefusesMixed: a tag holds a runnable image or disk images.
func TestOCIRefusesMixed(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	fx := e.images(b, "x86_64", "")
	fx.artifacts["docker"] = fx.artifacts["raw"]
	s, _ := e.stage(b, "x86_64", fx, "oci://127.0.0.1:1/x:1")
	if _, err := upload.Kind.Run(t.Context(), s); err == nil || !strings.Contains(err.Error(), "use two upload stages") {
		t.Errorf("err = %v", err)
	}
}

// dockerArchive writes an xz-compressed docker-archive (docker save's
// format, Koji's docker format) of a root file system, and returns its
// path and the config's digest.
func dockerArchive(t *testing.T, rootfs, path string) (string, digest.Digest) {
	t.Helper()
	layer := filepath.Join(t.TempDir(), "layer.tar")
	if out, err := exec.Command("tar", "--numeric-owner", "--sort=name", "--mtime=@946684800", "-C", rootfs, "-cf", layer, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	layerData, err := os.ReadFile(layer)
	if err != nil {
		t.Fatal(err)
	}
	diffID := digest.FromBytes(layerData)
	cfg, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      "2000-01-01T00:00:00Z",
		"config":       map[string]any{"Cmd": []string{"/bin/sh"}, "Env": []string{"PATH=/bin"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{diffID.String()}},
		"history":      []map[string]any{{"created": "2000-01-01T00:00:00Z", "created_by": "imgpipe test"}},
	})
	cfgDigest := digest.FromBytes(cfg)
	manifest, _ := json.Marshal([]map[string]any{{
		"Config":   cfgDigest.Encoded() + ".json",
		"RepoTags": []string{"fedora-cloud:41-1"},
		"Layers":   []string{"0123abcd/layer.tar"},
	}})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(946684800, 0)})
		tw.Write(data)
	}
	tw.WriteHeader(&tar.Header{Name: "0123abcd/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Unix(946684800, 0)})
	add("0123abcd/layer.tar", layerData)
	add(cfgDigest.Encoded()+".json", cfg)
	add("manifest.json", manifest)
	tw.Close()
	xz := exec.Command("xz", "-z", "-6", "-T0", "-c")
	xz.Stdin = &buf
	out, err := xz.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, cfgDigest
}

// TestOCIDockerImage pushes the docker format as a runnable image, pulls it
// back (digests equal), and runs it under podman.
func TestOCIDockerImage(t *testing.T) {
	host := podmantest.StartRegistry(t)
	e := newEnv(t)
	b := testBuild("x86_64")
	rootfs := podmantest.BusyboxRootfs(t)
	if err := os.WriteFile(filepath.Join(rootfs, "etc", "imgpipe-release"), []byte("fedora-cloud-41-1 from the disk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := e.recipe
	archive, cfgDigest := dockerArchive(t, rootfs, filepath.Join(dir, "fedora-cloud-41-1.x86_64.tar.xz"))
	fx := fixture{artifacts: map[string]string{"docker": archive}}
	to := "oci://" + host + "/imgpipe/fedora-cloud-container:41-1"
	s, _ := e.stage(b, "x86_64", fx, to)
	runStage(t, s)

	st, desc := pull(t, host, "imgpipe/fedora-cloud-container", "41-1")
	var m ocispec.Manifest
	fetchJSON(t, st, desc, &m)
	if m.Config.MediaType != ocispec.MediaTypeImageConfig || m.Config.Digest != cfgDigest || m.ArtifactType != "" {
		t.Errorf("config %+v, want the archive's (%s)", m.Config, cfgDigest)
	}
	var cfg ocispec.Image
	fetchJSON(t, st, m.Config, &cfg)
	if len(m.Layers) != 1 || len(cfg.RootFS.DiffIDs) != 1 || m.Layers[0].Digest != cfg.RootFS.DiffIDs[0] || m.Layers[0].MediaType != ocispec.MediaTypeImageLayer {
		t.Fatalf("layers %+v, diff_ids %v", m.Layers, cfg.RootFS.DiffIDs)
	}

	// A real consumer: podman pulls the image over plain HTTP and runs it.
	svc := podmantest.Start(t)
	ref := host + "/imgpipe/fedora-cloud-container:41-1"
	svc.Podman(t, "pull", "--quiet", "--tls-verify=false", ref)
	out := svc.Podman(t, "run", "--rm", "--network", "none", ref, "cat", "/etc/imgpipe-release")
	if out != "fedora-cloud-41-1 from the disk" {
		t.Errorf("the container printed %q", out)
	}
}
