//go:build remote

package examples_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/executor/podman"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// podmanOpener opens container executors as the command line does.
type podmanOpener struct{}

func (podmanOpener) Open(ctx context.Context, spec executor.ContainerSpec) (executor.Executor, error) {
	return podman.New(ctx, podman.Options{Connection: spec.Connection, IdentityFile: spec.IdentityFile, Image: spec.Image})
}

// TestChrootExample runs examples/chroot as it is: a Debian build root
// (the debootstrap fixture, imported under the image name the example
// uses) gets xorriso with apt, makes an ISO of the readme stage's output,
// and the ISO is published.
func TestChrootExample(t *testing.T) {
	svc := podmantest.Start(t)
	svc.Podman(t, "import", "--quiet", fixtures.DebianRootfs(t), "docker.io/library/debian:bookworm")
	t.Setenv("CONTAINER_HOST", svc.URI)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rel := runExample(t, ctx, st, "chroot/chroot.hcl", engine.PrepareOptions{Containers: podmanOpener{}})

	iso := filepath.Join(st.Dir, "builds", "chroot-iso", "1", rel.Release, "images")
	entries, err := os.ReadDir(iso)
	if err != nil || len(entries) != 1 {
		t.Fatalf("published images: %v, %v", entries, err)
	}
	b, err := os.ReadFile(filepath.Join(iso, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	// ISO 9660: the primary volume descriptor is sector 16; its volume
	// identifier is 32 bytes at offset 40.
	const pvd = 16 * 2048
	if len(b) < pvd+72 || string(b[pvd+1:pvd+6]) != "CD001" {
		t.Fatalf("%s is not an ISO 9660 image", entries[0].Name())
	}
	if got := string(b[pvd+40 : pvd+40+len("CHROOT_ISO")]); got != "CHROOT_ISO" {
		t.Errorf("volume ID %q, want CHROOT_ISO", got)
	}
	if len(svc.Containers(t)) != 0 {
		t.Errorf("containers left: %+v", svc.Containers(t))
	}
}
