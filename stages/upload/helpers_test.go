package upload_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
	"github.com/imgpipe/imgpipe/schemas"
	"github.com/imgpipe/imgpipe/stages/upload"
)

// env is a store with a run in progress, as the engine sets one up.
type env struct {
	t       testing.TB
	st      *store.Store
	run     string
	scratch string
	recipe  string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return openEnv(t, t.TempDir())
}

func openEnv(t testing.TB, dir string) *env {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	run := store.NewRunID(time.Now()) + "-" + fmt.Sprint(rand.Uint32())
	scratch, done, err := st.RunScratch(run)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(done)
	return &env{t: t, st: st, run: run, scratch: scratch, recipe: t.TempDir()}
}

// fileContent is a file of an object: data, then a hole up to size.
type fileContent struct {
	data []byte
	size int64
}

// object commits a store object as a stage's run would, with the given
// files and outputs, and returns its directory.
func (e *env) object(kind, stage, arch string, files map[string]fileContent, outputs map[string]string) string {
	e.t.Helper()
	h := sha256.New()
	fmt.Fprintln(h, kind, stage, arch)
	for name, c := range files {
		fmt.Fprintln(h, name, c.size)
		h.Write(c.data)
	}
	id := hex.EncodeToString(h.Sum(nil))
	if _, ok, _ := e.st.Lookup(id); ok {
		return e.st.ObjectDir(id)
	}
	p, err := e.st.Begin(id, true)
	if err != nil {
		e.t.Fatal(err)
	}
	for name, c := range files {
		path := filepath.Join(p.OutDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			e.t.Fatal(err)
		}
		if c.size > int64(len(c.data)) {
			if err := os.Truncate(path, c.size); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	out, _ := json.Marshal(map[string]any{"type": "dynamic", "value": outputs})
	err = p.Commit(&store.Result{
		Kind: kind, Stage: stage, Arch: arch, Run: "20261101T000000Z-00000000",
		Started:  time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Duration: 3 * time.Second, Outputs: out,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.st.ObjectDir(id)
}

// fixture is what an image_build run has made for one arch before upload.
type fixture struct {
	artifacts  map[string]string
	packages   string
	kickstarts []string
	logs       []string
}

func testBuild(arches ...string) kind.Build {
	return kind.Build{Name: "fedora-cloud", Version: "41", Release: "1", Arches: arches}
}

func nvr(b kind.Build) string { return b.Name + "-" + b.Version + "-" + b.Release }

// pseudoRandom returns n bytes that do not compress.
func pseudoRandom(seed string, n int) []byte {
	var seedb [32]byte
	copy(seedb[:], seed)
	r := rand.NewChaCha8(seedb)
	b := make([]byte, n)
	r.Read(b)
	return b
}

// images makes the objects of convert, boot-verify, fetch-ks and flatten
// for an arch, with real content: a qcow2-named file of incompressible
// bytes and a sparse raw disk.
func (e *env) images(b kind.Build, arch string, variant string) fixture {
	e.t.Helper()
	base := nvr(b) + "." + arch
	raw := append([]byte("raw disk "+arch+variant+"\n"), pseudoRandom("raw"+arch+variant, 200<<10)...)
	conv := e.object("convert", "images", arch, map[string]fileContent{
		base + ".qcow2": {data: pseudoRandom("qcow2"+arch+variant, 3<<20)},
		base + ".raw":   {data: raw, size: 16 << 20},
		"convert.log":   {data: []byte("qemu-img convert ok\n")},
	}, map[string]string{})
	pkgs := `[
  {"name": "bash", "version": "5.2.26", "release": "3.fc41", "arch": "` + arch + `", "epoch": null, "size": 8123456, "payloadhash": "0123456789abcdef0123456789abcdef", "buildtime": 1712345678},
  {"name": "kernel-core", "version": "6.11.4", "release": "301.fc41", "arch": "` + arch + `", "epoch": null, "size": 71234567, "payloadhash": "fedcba9876543210fedcba9876543210", "buildtime": 1729000000},
  {"name": "shadow-utils", "version": "4.15.1", "release": "12.fc41", "arch": "` + arch + `", "epoch": 2, "size": 3912345, "payloadhash": "00112233445566778899aabbccddeeff", "buildtime": 1720000000}
]`
	verify := e.object("boot-verify", "verify", arch, map[string]fileContent{
		"packages.json": {data: []byte(pkgs)},
		"console.log":   {data: []byte("Fedora Linux 41 (" + arch + ")\nlogin:\n")},
	}, map[string]string{"packages": "packages.json", "console": "console.log"})
	flat := e.object("flatten", "kickstart", arch, map[string]fileContent{
		"original/fedora-cloud.ks": {data: []byte("text\nreboot\nrootpw --lock\n")},
		"fedora-cloud.ks":          {data: []byte("text\nreboot\nrootpw --lock\nurl --url=https://example.org/" + arch + "/os\n")},
	}, map[string]string{"original": "original/fedora-cloud.ks", "kickstart": "fedora-cloud.ks"})
	return fixture{
		artifacts: map[string]string{
			"qcow2": filepath.Join(conv, base+".qcow2"),
			"raw":   filepath.Join(conv, base+".raw"),
		},
		packages:   filepath.Join(verify, "packages.json"),
		kickstarts: []string{filepath.Join(flat, "original/fedora-cloud.ks"), filepath.Join(flat, "fedora-cloud.ks")},
		logs:       []string{filepath.Join(verify, "console.log"), filepath.Join(conv, "convert.log")},
	}
}

const testKey = "5eed0000000000000000000000000000000000000000000000000000000000aa"

// stage makes the upload stage instance the engine would run.
func (e *env) stage(b kind.Build, arch string, f fixture, to string) (*kind.Stage, *syncbuf.Buffer) {
	attrs := map[string]cty.Value{}
	arts := map[string]cty.Value{}
	for k, v := range f.artifacts {
		arts[k] = cty.StringVal(v)
	}
	attrs["artifacts"] = cty.MapVal(arts)
	if to != "" {
		attrs["to"] = cty.StringVal(to)
	}
	if f.packages != "" {
		attrs["packages"] = cty.StringVal(f.packages)
	}
	strs := func(l []string) cty.Value {
		var vs []cty.Value
		for _, s := range l {
			vs = append(vs, cty.StringVal(s))
		}
		return cty.ListVal(vs)
	}
	if len(f.kickstarts) > 0 {
		attrs["kickstarts"] = strs(f.kickstarts)
	}
	if len(f.logs) > 0 {
		attrs["logs"] = strs(f.logs)
	}
	vals := map[string]cty.Value{}
	for _, a := range upload.Kind.Attrs {
		switch v, ok := attrs[a.Name]; {
		case ok:
			vals[a.Name] = v
		case a.Default != cty.NilVal:
			vals[a.Name] = a.Default
		default:
			vals[a.Name] = cty.NullVal(a.Type)
		}
	}
	log := &syncbuf.Buffer{}
	id := sha256.Sum256([]byte("upload " + arch + " " + b.Release + " " + to))
	return &kind.Stage{
		Name: "publish", Kind: "upload", Arch: arch, ID: hex.EncodeToString(id[:]),
		Config:     cty.ObjectVal(vals),
		RecipeDir:  e.recipe,
		Scratch:    e.scratch,
		Store:      e.st,
		RunID:      e.run,
		Build:      b,
		ReleaseKey: testKey,
		Log:        log,
	}, log
}

// reserve reserves the build's release as ClaimRelease does before a run.
func (e *env) reserve(b kind.Build) {
	e.t.Helper()
	ok, unlock, err := e.st.Reserve(b.Name, b.Version, b.Release, store.Reservation{Run: e.run, Key: testKey, Created: time.Now().UTC()})
	if err != nil || !ok {
		e.t.Fatalf("reserve: %v %v", ok, err)
	}
	e.t.Cleanup(unlock)
}

func runStage(t testing.TB, s *kind.Stage) string {
	t.Helper()
	out, err := upload.Kind.Run(t.Context(), s)
	if err != nil {
		t.Fatalf("upload %s: %v\nlog:\n%s", s.Arch, err, s.Log)
	}
	return out["location"].AsString()
}

// validateMetadata checks a metadata.json against schemas/metadata.schema.json.
func validateMetadata(t testing.TB, path string) {
	t.Helper()
	schemaData, err := schemas.FS.ReadFile("metadata.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaData))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("metadata.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("metadata.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not validate against metadata.schema.json: %v", path, err)
	}
}

// sha256sumCheck runs `sha256sum -c SHA256SUMS` in the build directory.
func sha256sumCheck(t testing.TB, dir string) string {
	t.Helper()
	cmd := exec.Command("sha256sum", "--strict", "-c", "SHA256SUMS")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c SHA256SUMS in %s: %v\n%s", dir, err, out)
	}
	return string(out)
}

// sha256sum returns sha256sum's digest of a file.
func sha256sum(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("sha256sum", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[0]
}

type fileID struct {
	ino   uint64
	mtime time.Time
	size  int64
}

func statID(t testing.TB, path string) fileID {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileID{info.Sys().(*syscall.Stat_t).Ino, info.ModTime(), info.Size()}
}

// tree lists every file under dir with its identity.
func tree(t testing.TB, dir string) map[string]fileID {
	t.Helper()
	m := map[string]fileID{}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			m[rel] = fileID{info.Sys().(*syscall.Stat_t).Ino, info.ModTime(), info.Size()}
		}
		return nil
	})
	return m
}

// diskBlocks returns the 512-byte blocks a file uses.
func diskBlocks(t testing.TB, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Blocks
}
