package podmantest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServiceRunsImportedBusybox(t *testing.T) {
	t.Parallel()
	s := Start(t)
	id := s.ImportBusybox(t, "localhost/busybox:test")
	if got := s.Podman(t, "image", "inspect", "--format", "{{.ID}}", "localhost/busybox:test"); got != id {
		t.Errorf("image ID %q, Import returned %q", got, id)
	}
	out := s.Podman(t, "run", "--rm", "--network", "none", "localhost/busybox:test", "sh", "-c", "echo hello from $(uname -s)")
	if out != "hello from Linux" {
		t.Errorf("container printed %q", out)
	}
	if cs := s.Containers(t); len(cs) != 0 {
		t.Errorf("containers left after run --rm: %+v", cs)
	}
}

func TestImportChanges(t *testing.T) {
	t.Parallel()
	s := Start(t)
	root := BusyboxRootfs(t)
	s.Import(t, root, "localhost/changed:1", `ENV GREETING=hi`, `ENTRYPOINT ["/bin/sh", "-c"]`)
	out := s.Podman(t, "run", "--rm", "--network", "none", "localhost/changed:1", "echo $GREETING")
	if out != "hi" {
		t.Errorf("container printed %q, want the image's ENV through its ENTRYPOINT", out)
	}
}

func TestContainersListsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.ImportBusybox(t, "localhost/busybox:test")
	id := s.Podman(t, "create", "--network", "none", "--label", "podmantest=1", "localhost/busybox:test", "true")
	cs := s.Containers(t)
	if len(cs) != 1 || cs[0].ID != id || cs[0].Labels["podmantest"] != "1" {
		t.Errorf("Containers() = %+v, want the one created, %s", cs, id)
	}
}

// TestTeardown leaves a running container behind (whose /dev/shm is a mount
// under the service's directory) and checks that the cleanup removes it all.
func TestTeardown(t *testing.T) {
	t.Parallel()
	var dir string
	t.Run("service", func(t *testing.T) {
		s := Start(t)
		dir = s.Dir
		s.ImportBusybox(t, "localhost/busybox:test")
		s.Podman(t, "run", "--detach", "--network", "none", "localhost/busybox:test", "sleep", "300")
		if !mountedUnder(t, dir) {
			t.Log("no mount under the service's directory while a container runs; the teardown's unmount is not exercised")
		}
	})
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("service directory %s left behind: %v", dir, err)
	}
	if mountedUnder(t, dir) {
		t.Errorf("mounts left under %s", dir)
	}
}

func mountedUnder(t *testing.T, dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), " "+dir+"/")
}

func TestBusyboxRootfs(t *testing.T) {
	t.Parallel()
	root := BusyboxRootfs(t)
	target, err := os.Readlink(filepath.Join(root, "bin", "sh"))
	if err != nil || target != "busybox" {
		t.Errorf("bin/sh links to %q, %v; want busybox", target, err)
	}
	fi, err := os.Lstat(filepath.Join(root, "bin", "busybox"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Errorf("bin/busybox: %v, %v; want the binary", fi, err)
	}
}

func TestUnescapeMountPath(t *testing.T) {
	for in, want := range map[string]string{
		`/a/b`:          "/a/b",
		`/a\040b`:       "/a b",
		`/tab\011x\134`: "/tab\tx\\",
		`/end\04`:       `/end\04`,
	} {
		if got := unescapeMountPath(in); got != want {
			t.Errorf("unescapeMountPath(%q) = %q, want %q", in, got, want)
		}
	}
}
