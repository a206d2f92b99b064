package chroot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
)

// sh runs argv (a /bin/sh command line from this package) on the host with
// only dir on PATH, and returns its output and exit status.
func sh(t *testing.T, dir string, argv []string) (string, int) {
	t.Helper()
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = []string{"PATH=" + dir}
	out, err := c.CombinedOutput()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// fakeTools makes dir/<name> for each name: a script that prints its name,
// arguments and DEBIAN_FRONTEND.
func fakeTools(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		script := "#!/bin/sh\necho \"${0##*/} $* [$DEBIAN_FRONTEND]\"\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInstallScript(t *testing.T) {
	argv := installArgv("0123abcd", []string{"cpio", "xorriso"})
	for _, tc := range []struct {
		tools []string
		want  string
	}{
		{[]string{"dnf", "yum"}, "dnf -y install cpio xorriso []\n"},
		{[]string{"yum", "microdnf"}, "yum -y install cpio xorriso []\n"},
		{[]string{"microdnf", "apt-get"}, "microdnf -y install cpio xorriso []\n"},
		{[]string{"apt-get", "zypper"}, "apt-get update [noninteractive]\napt-get install -y --no-install-recommends cpio xorriso [noninteractive]\n"},
		{[]string{"zypper", "apk"}, "zypper --non-interactive install cpio xorriso []\n"},
		{[]string{"apk"}, "apk add --no-cache cpio xorriso []\n"},
	} {
		out, code := sh(t, fakeTools(t, tc.tools...), argv)
		if code != 0 || out != tc.want {
			t.Errorf("with %v: %q, status %d; want %q", tc.tools, out, code, tc.want)
		}
	}
	out, code := sh(t, fakeTools(t), argv)
	if code != 127 || !strings.Contains(out, "sha256:0123abcd") || !strings.Contains(out, "dnf, yum, microdnf, apt-get, zypper, apk") {
		t.Errorf("without a package manager: %q, status %d; want status 127 naming the image and the managers", out, code)
	}
	// A package name is an argument, never shell syntax.
	out, _ = sh(t, fakeTools(t, "apk"), installArgv("x", []string{"a;b", "$(c)"}))
	if out != "apk add --no-cache a;b $(c) []\n" {
		t.Errorf("odd package names: %q", out)
	}
}

func TestCommandsScript(t *testing.T) {
	dir := filepath.Dir(mustLook(t, "echo"))
	out, code := sh(t, dir, commandsArgv([]string{"echo one", "false; echo two", "echo \"$0\"", "exit 7", "echo never"}))
	// Each command is its own sh -c: no set -e across its lines.
	want := "one\ntwo\n/bin/sh\nchroot: command 4 exited with status 7\n"
	if code != 7 || out != want {
		t.Errorf("commands: %q, status %d; want %q, status 7", out, code, want)
	}
	out, code = sh(t, dir, commandsArgv(nil))
	if code != 0 || out != "" {
		t.Errorf("no commands: %q, %d", out, code)
	}
}

func mustLook(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildrootKey(t *testing.T) {
	k := BuildrootKey("abc", []string{"cpio"}, []string{"true"})
	if len(k) != 32 || k != BuildrootKey("abc", []string{"cpio"}, []string{"true"}) {
		t.Fatalf("key %q is not stable hex", k)
	}
	for _, other := range []string{
		BuildrootKey("abd", []string{"cpio"}, []string{"true"}),
		BuildrootKey("abc", []string{"cpio", "xz-utils"}, []string{"true"}),
		BuildrootKey("abc", []string{"cpio"}, []string{"true", "true"}),
		BuildrootKey("abc", []string{"cpio"}, nil),
		BuildrootKey("abc", nil, []string{"cpio"}),
	} {
		if other == k {
			t.Errorf("a different build root has the key %s", k)
		}
	}
}

func TestStepName(t *testing.T) {
	cfg := config{Packages: []string{"a", "b"}, Setup: []string{"x", "y"}}
	for i, want := range []string{"installing packages a b", `setup command 1 "x"`, `setup command 2 "y"`} {
		if got := stepName(i, cfg); got != want {
			t.Errorf("step %d: %q, want %q", i, got, want)
		}
	}
	if got := stepName(0, config{Setup: []string{"x"}}); got != `setup command 1 "x"` {
		t.Errorf("without packages: %q", got)
	}
}

func TestTail(t *testing.T) {
	tl := newTail()
	if got := tl.quote(); got != " (no output)" {
		t.Errorf("empty: %q", got)
	}
	for i := range 5000 {
		fmt.Fprintf(tl, "line %d\n", i)
	}
	lines := tl.lines()
	if len(lines) != tailLines || lines[len(lines)-1] != "line 4999" || lines[0] != fmt.Sprintf("line %d", 5000-tailLines) {
		t.Errorf("tail: %q", lines)
	}
}

func TestValidate(t *testing.T) {
	cfg := func(outputs ...string) *kind.Config {
		vals := []cty.Value{}
		for _, o := range outputs {
			vals = append(vals, cty.StringVal(o))
		}
		ov := cty.ListValEmpty(cty.String)
		if len(vals) > 0 {
			ov = cty.ListVal(vals)
		}
		return &kind.Config{Value: cty.ObjectVal(map[string]cty.Value{
			"commands": cty.ListVal([]cty.Value{cty.StringVal("true")}),
			"outputs":  ov,
		})}
	}
	if diags := validate(cfg("a.iso", "logs")); diags.HasErrors() {
		t.Errorf("good outputs: %v", diags)
	}
	for _, bad := range [][]string{{"dir"}, {"result.json"}, {"a/b"}, {".."}, {"x", "x"}} {
		diags := validate(cfg(bad...))
		if !diags.HasErrors() || diags[0].Severity != hcl.DiagError {
			t.Errorf("outputs %q: no error", bad)
		}
	}
	// uses_release decides the stage ID: it cannot wait for another
	// stage's output.
	c := cfg("a.iso")
	c.Value = cty.ObjectVal(map[string]cty.Value{
		"commands": cty.ListVal([]cty.Value{cty.StringVal("true")}), "outputs": cty.ListVal([]cty.Value{cty.StringVal("a.iso")}),
		"uses_release": cty.UnknownVal(cty.Bool),
	})
	if diags := validate(c); !diags.HasErrors() || diags[0].Summary != "uses_release must be known before the run" {
		t.Errorf("unknown uses_release: %v", diags)
	}
}

// TestHostRefused: the chroot kind needs a container executor.
func TestHostRefused(t *testing.T) {
	var log bytes.Buffer
	_, err := Kind.Run(t.Context(), &kind.Stage{
		Name: "c", Kind: "chroot", Exec: executor.Host{}, Log: &log, OutDir: t.TempDir(),
		Config: cty.ObjectVal(map[string]cty.Value{
			"commands":     cty.ListVal([]cty.Value{cty.StringVal("true")}),
			"packages":     cty.NullVal(cty.List(cty.String)),
			"setup":        cty.NullVal(cty.List(cty.String)),
			"inputs":       cty.NullVal(cty.List(cty.String)),
			"outputs":      cty.NullVal(cty.List(cty.String)),
			"network":      cty.StringVal("none"),
			"privileged":   cty.False,
			"uses_release": cty.False,
		}),
	})
	if !errors.Is(err, ErrNoContainer) || !strings.Contains(err.Error(), `executor = "podman"`) || !strings.Contains(err.Error(), "host mock is not supported") {
		t.Errorf("on the host executor: %v", err)
	}
}

func TestArchMismatch(t *testing.T) {
	for _, c := range []struct {
		arch, image string
		warn        bool
	}{
		{"x86_64", "amd64", false},
		{"aarch64", "arm64", false},
		{"i686", "386", false},
		{"aarch64", "amd64", true},
		{"x86_64", "arm64", true},
		{"aarch64", "", false},        // the image names no arch
		{kind.NoArch, "amd64", false}, // serves every arch
	} {
		msg := archMismatch(c.arch, c.image)
		if (msg != "") != c.warn {
			t.Errorf("archMismatch(%q, %q) = %q, want a warning: %v", c.arch, c.image, msg, c.warn)
		}
		if c.warn && !strings.Contains(msg, fmt.Sprintf("arches = [%q]", c.arch)) {
			t.Errorf("archMismatch(%q, %q) = %q: does not say how to route %s", c.arch, c.image, msg, c.arch)
		}
	}
}
