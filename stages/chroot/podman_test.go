//go:build remote

package chroot

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/executor/podman"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// importTarball imports a root file system tarball as ref with the
// harness's podman and returns the image's ID.
func importTarball(t *testing.T, svc *podmantest.Service, tarball, ref string) string {
	t.Helper()
	id := strings.TrimPrefix(svc.Podman(t, "import", "--quiet", tarball, ref), "sha256:")
	if len(id) != 64 {
		t.Fatalf("podman import %s printed %q, want an image ID", ref, id)
	}
	return id
}

func newExecutor(t *testing.T, svc *podmantest.Service, image string) *podman.Executor {
	t.Helper()
	e, err := podman.New(t.Context(), podman.Options{Connection: svc.URI, Image: image})
	if err != nil {
		t.Fatalf("podman.New: %v", err)
	}
	return e
}

// stageConfig is a chroot configuration with every attribute.
type stageConfig struct {
	commands, packages, setup, inputs, outputs []string
	network                                    string
	privileged                                 bool
	// release, when set, is the build's release, with uses_release.
	release string
}

func (c stageConfig) value() cty.Value {
	list := func(ss []string) cty.Value {
		if len(ss) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vs := make([]cty.Value, len(ss))
		for i, s := range ss {
			vs[i] = cty.StringVal(s)
		}
		return cty.ListVal(vs)
	}
	network := c.network
	if network == "" {
		network = "none"
	}
	return cty.ObjectVal(map[string]cty.Value{
		"commands":     list(c.commands),
		"packages":     list(c.packages),
		"setup":        list(c.setup),
		"inputs":       list(c.inputs),
		"outputs":      list(c.outputs),
		"network":      cty.StringVal(network),
		"privileged":   cty.BoolVal(c.privileged),
		"uses_release": cty.BoolVal(c.release != ""),
	})
}

// runStage runs a chroot stage with cfg on exec, as the engine would, and
// returns its outputs, its output directory and its log.
func runStage(t *testing.T, exec *podman.Executor, cfg stageConfig) (kind.Outputs, string, string, error) {
	t.Helper()
	var log syncbuf.Buffer
	out := t.TempDir()
	s := &kind.Stage{
		Name: "root", Kind: "chroot", Arch: "x86_64", ID: "test",
		Config: cfg.value(), RecipeDir: t.TempDir(), OutDir: out, Scratch: t.TempDir(),
		Exec: exec, Log: &log, Build: kind.Build{Name: "n", Version: "1", Release: cfg.release},
	}
	start := time.Now()
	outputs, err := Kind.Run(t.Context(), s)
	t.Logf("stage ran in %v", time.Since(start).Round(time.Millisecond))
	return outputs, out, log.String(), err
}

func images(t *testing.T, svc *podmantest.Service) string {
	t.Helper()
	return svc.Podman(t, "images", "--all", "--noheading", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")
}

func noContainers(t *testing.T, svc *podmantest.Service) {
	t.Helper()
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}
}

// TestDebianBuildroot: a build root made from a debootstrapped Debian,
// with cpio installed by apt, packs an input into a cpio archive; a second
// run reuses the build root.
func TestDebianBuildroot(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"cpio"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run scripts/install-deps", tool)
		}
	}
	tarball := fixtures.DebianRootfs(t)
	svc := podmantest.Start(t)
	baseID := importTarball(t, svc, tarball, "localhost/debian:bookworm")
	e := newExecutor(t, svc, "localhost/debian:bookworm")

	in := filepath.Join(t.TempDir(), "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	const content = "hello from the build root\n"
	if err := os.WriteFile(filepath.Join(in, "hello.txt"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := stageConfig{
		packages: []string{"cpio"},
		setup:    []string{"cpio --version | head -n 1 >/etc/cpio-version"},
		inputs:   []string{in},
		commands: []string{
			`cd ` + in + ` && echo hello.txt | cpio -o -H newc >"$IMGPIPE_OUT/hello.cpio"`,
			`cp /etc/cpio-version "$IMGPIPE_OUT/version"`,
		},
		outputs: []string{"hello.cpio", "version"},
	}
	tag := BuildrootRepo + ":" + BuildrootKey(baseID, cfg.packages, cfg.setup)

	check := func(run string, outputs kind.Outputs, out, log string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s run: %v\nlog:\n%s", run, err, log)
		}
		if got := outputs["hello.cpio"]; got != cty.StringVal("dir/hello.cpio") || outputs["dir"] != cty.StringVal("dir") {
			t.Errorf("%s run: outputs %#v", run, outputs)
		}
		archive := filepath.Join(out, "dir", "hello.cpio")
		list := exec.Command("cpio", "-it", "--quiet", "-F", archive)
		if got, err := list.Output(); err != nil || string(got) != "hello.txt\n" {
			t.Errorf("%s run: cpio -it: %q, %v", run, got, err)
		}
		extract := exec.Command("cpio", "-i", "--quiet", "--to-stdout", "-F", archive, "hello.txt")
		if got, err := extract.Output(); err != nil || string(got) != content {
			t.Errorf("%s run: hello.txt in the archive: %q, %v", run, got, err)
		}
		if v, err := os.ReadFile(filepath.Join(out, "dir", "version")); err != nil || !strings.HasPrefix(string(v), "cpio (GNU cpio)") {
			t.Errorf("%s run: setup's file: %q, %v", run, v, err)
		}
		noContainers(t, svc)
	}

	outputs, out, log, err := runStage(t, e, cfg)
	check("first", outputs, out, log, err)
	if !strings.Contains(log, "build root "+tag+": prepared\n") || !strings.Contains(log, "Setting up cpio") {
		t.Errorf("first run's log does not say the build root %s was prepared with apt:\n%s", tag, log)
	}
	before := images(t, svc)
	if !strings.Contains(before, tag) {
		t.Errorf("no build root image %s:\n%s", tag, before)
	}

	outputs, out, log, err = runStage(t, e, cfg)
	check("second", outputs, out, log, err)
	if !strings.Contains(log, "build root "+tag+": reused\n") || strings.Contains(log, "cpio") {
		t.Errorf("second run's log does not say the build root was reused, or shows apt again:\n%s", log)
	}
	if after := images(t, svc); after != before {
		t.Errorf("the second run changed the images:\n%s\nwas\n%s", after, before)
	}
}

// TestFailingSetup: a failing setup command fails the stage, quoting the
// end of its output, and leaves no image and no container.
func TestFailingSetup(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	svc.ImportBusybox(t, "localhost/busybox:test")
	e := newExecutor(t, svc, "localhost/busybox:test")
	before := images(t, svc)

	_, _, log, err := runStage(t, e, stageConfig{
		setup:    []string{"touch /ok", "echo checking the disk; echo the disk is full >&2; exit 4", "touch /never"},
		commands: []string{"true"},
	})
	if err == nil {
		t.Fatal("a failing setup command did not fail the stage")
	}
	t.Logf("error: %v", err)
	for _, want := range []string{`setup command 2 "echo checking the disk; echo the disk is full >&2; exit 4"`,
		"exited with status 4", "checking the disk\n    the disk is full", BuildrootRepo} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if !strings.Contains(log, "the disk is full") {
		t.Errorf("the log lacks the setup command's output:\n%s", log)
	}
	if after := images(t, svc); after != before {
		t.Errorf("a failed build root left an image:\n%s\nwas\n%s", after, before)
	}
	noContainers(t, svc)

	// busybox has no package manager: the error names the image.
	_, _, _, err = runStage(t, e, stageConfig{packages: []string{"cpio"}, commands: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "sha256:"+e.ImageID()) || !strings.Contains(err.Error(), "installing packages cpio") ||
		!strings.Contains(err.Error(), "dnf, yum, microdnf, apt-get, zypper, apk") {
		t.Errorf("packages in an image without a package manager: %v", err)
	}
	if after := images(t, svc); after != before {
		t.Errorf("a failed build root left an image:\n%s\nwas\n%s", after, before)
	}
	noContainers(t, svc)
}

// TestCommands: commands run in the image itself when there is nothing to
// prepare, with the configured network; a failing command or a missing
// output fails the stage with a clear error.
func TestCommands(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	svc.ImportBusybox(t, "localhost/busybox:test")
	e := newExecutor(t, svc, "localhost/busybox:test")
	before := images(t, svc)

	outputs, out, log, err := runStage(t, e, stageConfig{
		commands: []string{`ls /sys/class/net >"$IMGPIPE_OUT/net"`, `pwd >"$IMGPIPE_OUT/pwd"; grep CapEff /proc/self/status >"$IMGPIPE_OUT/caps"`},
		outputs:  []string{"net", "pwd"},
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log)
	}
	if !strings.Contains(log, "build root: the image itself") {
		t.Errorf("log: %q", log)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(out, "dir", name))
		return string(b)
	}
	if read("net") != "lo\n" || read("pwd") != filepath.Join(out, "dir")+"\n" || outputs["net"] != cty.StringVal("dir/net") {
		t.Errorf("network none, workdir $IMGPIPE_OUT: net %q, pwd %q, outputs %#v", read("net"), read("pwd"), outputs)
	}
	unprivileged := read("caps")

	_, out, _, err = runStage(t, e, stageConfig{
		commands:   []string{`ls /sys/class/net | wc -l >"$IMGPIPE_OUT/net"; grep CapEff /proc/self/status >"$IMGPIPE_OUT/caps"`},
		network:    "host",
		privileged: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if read("net") == "1\n" || read("caps") == unprivileged {
		t.Errorf("network host and privileged: %q interfaces, %q (unprivileged: %q)", read("net"), read("caps"), unprivileged)
	}

	// uses_release: the commands get the build's release; without it,
	// they do not.
	_, out, _, err = runStage(t, e, stageConfig{commands: []string{`echo "[$IMGPIPE_RELEASE]" >"$IMGPIPE_OUT/release"`}, release: "3.fc41"})
	if err != nil || read("release") != "[3.fc41]\n" {
		t.Errorf("uses_release: %v, IMGPIPE_RELEASE %q", err, read("release"))
	}
	_, out, _, err = runStage(t, e, stageConfig{commands: []string{`echo "[$IMGPIPE_RELEASE]" >"$IMGPIPE_OUT/release"`}})
	if err != nil || read("release") != "[]\n" {
		t.Errorf("without uses_release: %v, IMGPIPE_RELEASE %q", err, read("release"))
	}

	_, _, _, err = runStage(t, e, stageConfig{commands: []string{"echo one", "echo compiling; echo cc: error >&2; exit 2", "echo never"}})
	if err == nil || !strings.Contains(err.Error(), "exited with status 2") || !strings.Contains(err.Error(), "cc: error\n    chroot: command 2 exited with status 2") {
		t.Errorf("failing command: %v", err)
	}
	_, _, _, err = runStage(t, e, stageConfig{commands: []string{`touch "$IMGPIPE_OUT/other"`}, outputs: []string{"wanted"}})
	if err == nil || !strings.Contains(err.Error(), "did not write wanted") || !strings.Contains(err.Error(), "it holds other") {
		t.Errorf("missing output: %v", err)
	}
	if after := images(t, svc); after != before {
		t.Errorf("images changed:\n%s\nwas\n%s", after, before)
	}
	noContainers(t, svc)
}

// TestEngineRun: the engine runs a mock (chroot) stage on the podman
// executor given for "podman", and its outputs land in the store.
func TestEngineRun(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	svc.ImportBusybox(t, "localhost/busybox:test")
	e := newExecutor(t, svc, "localhost/busybox:test")
	dir := t.TempDir()
	src := `
build {
  name    = "c"
  version = "1"
  arches  = ["x86_64"]
}

stage "mock" "pack" {
  executor = "podman"
  image    = "localhost/busybox:test"
  setup    = ["echo built >/etc/built"]
  commands = ["cp /etc/built \"$IMGPIPE_OUT/built.txt\""]
  outputs  = ["built.txt"]
}
`
	path := filepath.Join(dir, "recipe.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, diags := recipe.Parse([]byte(src), path)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	execs := map[string]executor.Executor{"podman": e}
	p, prepared, diags := engine.NewPlanner([]*kind.Kind{Kind}).Prepare(t.Context(), r, engine.PrepareOptions{Executors: execs})
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := engine.Run(t.Context(), p, prepared, st, engine.RunOptions{})
	if err != nil || sum.Status != "succeeded" {
		t.Fatalf("run: %+v, %v", sum, err)
	}
	var id string
	for _, n := range p.Nodes {
		if n.Name == "pack" {
			id = n.ID
		}
	}
	got, err := os.ReadFile(filepath.Join(st.ObjectDir(id), "dir", "built.txt"))
	if err != nil || string(got) != "built\n" {
		t.Errorf("object's built.txt: %q, %v", got, err)
	}
	noContainers(t, svc)
}
