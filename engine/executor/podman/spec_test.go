//go:build remote

package podman

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/containers/podman/v4/pkg/specgen"
	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/imgpipe/imgpipe/engine/executor"
)

func TestContainerSpec(t *testing.T) {
	cmd := executor.Cmd{
		Argv:      []string{"mkfs.ext4", "-d", "/in/tree", "/out/disk.img"},
		Env:       []string{"A=1", "B=x=y", "A=2"},
		Inputs:    []string{"/in/tree", "/in/kickstart.ks"},
		OutputDir: "/out",
		Stdin:     strings.NewReader(""),
	}
	opts := Options{Privileged: true, Devices: []string{"/dev/kvm"}, Network: NetworkHost}
	s, err := containerSpec("imgpipe-1", "0123abcd", opts, cmd, false)
	if err != nil {
		t.Fatal(err)
	}
	want := specgen.NewSpecGenerator("0123abcd", false)
	want.Name = "imgpipe-1"
	want.Labels = executor.OwnerLabels()
	want.Labels[labelKey] = "podman"
	if want.Labels[executor.LabelOwnerPID] != strconv.Itoa(os.Getpid()) {
		t.Errorf("owner labels %v do not name this process (pid %d)", want.Labels, os.Getpid())
	}
	want.Entrypoint = cmd.Argv
	want.Env = map[string]string{"A": "2", "B": "x=y"}
	want.WorkDir = "/out"
	want.Stdin = true
	want.Privileged = true
	want.Devices = []spec.LinuxDevice{{Path: "/dev/kvm"}}
	want.NetNS = specgen.Namespace{NSMode: specgen.Host}
	want.Mounts = []spec.Mount{
		{Type: "bind", Source: "/out", Destination: "/out", Options: []string{"rbind", "rw"}},
		{Type: "bind", Source: "/in/kickstart.ks", Destination: "/in/kickstart.ks", Options: []string{"rbind", "ro"}},
		{Type: "bind", Source: "/in/tree", Destination: "/in/tree", Options: []string{"rbind", "ro"}},
	}
	if got := asSpecgen(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("spec\n%+v\nwant\n%+v", got, want)
	}
	if &s.Entrypoint[0] == &cmd.Argv[0] {
		t.Error("the spec shares the Cmd's Argv")
	}
}

func TestContainerSpecDefaults(t *testing.T) {
	s, err := containerSpec("n", "id", Options{}, executor.Cmd{Argv: []string{"true"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	g := asSpecgen(t, s)
	if g.NetNS.NSMode != specgen.NoNetwork {
		t.Errorf("network %q, want none", g.NetNS.NSMode)
	}
	if g.Stdin || g.Privileged || len(g.Devices) > 0 || len(g.Mounts) > 0 || g.WorkDir != "" {
		t.Errorf("spec %+v, want no stdin, privileges, devices, mounts or workdir", g)
	}
	if g.Remove {
		t.Error("the service would remove the container before Run copies its output")
	}
}

// asSpecgen decodes the body the service gets as the service does: into
// podman's own SpecGenerator. Unknown fields are errors, so a misspelt
// JSON name in createSpec fails here.
func asSpecgen(t *testing.T, s *createSpec) *specgen.SpecGenerator {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var g specgen.SpecGenerator
	if err := dec.Decode(&g); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return &g
}

func TestContainerSpecRemoteMountsNothing(t *testing.T) {
	cmd := executor.Cmd{Argv: []string{"true"}, Inputs: []string{"/in"}, OutputDir: "/out", Dir: "/work"}
	s, err := containerSpec("n", "id", Options{}, cmd, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Mounts) != 0 || s.WorkDir != "/work" {
		t.Errorf("remote: mounts %v, workdir %q; want none and /work", s.Mounts, s.WorkDir)
	}
}

func TestContainerSpecErrors(t *testing.T) {
	if _, err := containerSpec("n", "id", Options{}, executor.Cmd{}, false); err != errEmptyArgv {
		t.Errorf("empty argv: %v", err)
	}
	for _, env := range [][]string{{"NOEQUALS"}, {"=value"}} {
		if _, err := containerSpec("n", "id", Options{}, executor.Cmd{Argv: []string{"true"}, Env: env}, false); err == nil {
			t.Errorf("env %q: no error", env)
		}
	}
}

func TestSharedPaths(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inputs []string
		out    string
		want   []string
	}{
		{"none", nil, "", nil},
		{"output only", nil, "/o", []string{"/o"}},
		{"duplicates", []string{"/a", "/a", "/b"}, "", []string{"/a", "/b"}},
		{"input inside input", []string{"/a/b/c", "/a", "/a-b"}, "", []string{"/a", "/a-b"}},
		{"input inside output", []string{"/o/x", "/i"}, "/o", []string{"/i", "/o"}},
		{"input equals output", []string{"/o"}, "/o", []string{"/o"}},
		{"output inside input, parent first", []string{"/w"}, "/w/o", []string{"/w", "/w/o"}},
		{"depth before name", []string{"/b", "/a/deep/x"}, "/c/d", []string{"/b", "/c/d", "/a/deep/x"}},
		{"root", []string{"/", "/etc"}, "", []string{"/"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := sharedPaths(tt.inputs, tt.out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sharedPaths(%q, %q) = %q, want %q", tt.inputs, tt.out, got, tt.want)
			}
		})
	}
}

func TestAbsPaths(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := absPaths(executor.Cmd{Dir: "rel", OutputDir: "/o/../out/", Inputs: []string{"in", "/x//y"}})
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Dir != filepath.Join(wd, "rel") || cmd.OutputDir != "/out" || !reflect.DeepEqual(cmd.Inputs, []string{filepath.Join(wd, "in"), "/x/y"}) {
		t.Errorf("absPaths: %+v", cmd)
	}
	if _, err := absPaths(executor.Cmd{Inputs: []string{""}}); err == nil {
		t.Error("empty input path: no error")
	}
	orig := []string{"in"}
	if _, err := absPaths(executor.Cmd{Inputs: orig}); err != nil || orig[0] != "in" {
		t.Errorf("absPaths changed the caller's Inputs: %q", orig)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{
		{},
		{Image: "x", Network: "bridge"},
		{Image: "x", Devices: []string{"kvm"}},
	} {
		if err := o.validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if err := (Options{Image: "x", Network: NetworkHost, Devices: []string{"/dev/kvm"}}).validate(); err != nil {
		t.Error(err)
	}
}

func TestConnectionURI(t *testing.T) {
	t.Setenv("CONTAINER_HOST", "")
	if got := connectionURI("ssh://u@h/s.sock"); got != "ssh://u@h/s.sock" {
		t.Errorf("explicit: %q", got)
	}
	if os.Geteuid() == 0 {
		if got := connectionURI(""); got != "unix:///run/podman/podman.sock" {
			t.Errorf("root default: %q", got)
		}
	}
	t.Setenv("CONTAINER_HOST", "unix:///elsewhere.sock")
	if got := connectionURI(""); got != "unix:///elsewhere.sock" {
		t.Errorf("CONTAINER_HOST: %q", got)
	}
	for uri, want := range map[string]bool{"unix:///a.sock": false, "ssh://u@h:22/a.sock": true, "tcp://h:1": true} {
		if got, err := isRemote(uri); err != nil || got != want {
			t.Errorf("isRemote(%q) = %v, %v", uri, got, err)
		}
	}
	if _, err := isRemote("http://h"); err == nil {
		t.Error("http: no error")
	}
}
