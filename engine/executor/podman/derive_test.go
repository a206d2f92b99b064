//go:build remote

package podman

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// images lists the service's image IDs and names, one per line, through
// the podman command.
func images(t *testing.T, svc *podmantest.Service) string {
	t.Helper()
	return svc.Podman(t, "images", "--all", "--noheading", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")
}

func TestDerive(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	const tag = "localhost/imgpipe-derived:1"
	base := images(t, svc)
	var out1, out2 bytes.Buffer
	steps := []executor.Cmd{
		{Argv: []string{"sh", "-c", `echo "$GREETING" >/etc/greeting && echo step1 out`}, Env: []string{"GREETING=hello"}, Stdout: &out1},
		{Argv: []string{"sh", "-c", `pwd >/etc/where; echo step2 err >&2; ls /sys/class/net | tr '\n' ' ' >/etc/net`}, Dir: "/tmp", Network: NetworkHost, Stderr: &out2},
	}
	c, reused, err := e.Derive(t.Context(), tag, steps)
	if err != nil {
		t.Fatalf("Derive: %v", err)
	}
	if reused {
		t.Error("first Derive: reused = true")
	}
	if out1.String() != "step1 out\n" || out2.String() != "step2 err\n" {
		t.Errorf("step output %q, %q", out1.String(), out2.String())
	}
	d := c.(*Executor)
	if d.ImageID() == e.ImageID() || len(d.ImageID()) != 64 {
		t.Errorf("derived image ID %q, base %q", d.ImageID(), e.ImageID())
	}
	if !strings.Contains(d.Identity(), d.ImageID()) {
		t.Errorf("derived Identity %q does not name its image %s", d.Identity(), d.ImageID())
	}
	if got := svc.Podman(t, "image", "inspect", "--format", "{{.ID}}", tag); got != d.ImageID() {
		t.Errorf("%s is %s, Derive returned %s", tag, got, d.ImageID())
	}
	// One image more, the intermediate one is gone.
	if got, want := images(t, svc), d.ImageID()[:12]+" "+tag+"\n"+base; got != want {
		t.Errorf("images after Derive:\n%s\nwant\n%s", got, want)
	}
	// A step's Env stays in the image (podman commits the container's
	// environment), as Derive documents.
	if env := svc.Podman(t, "image", "inspect", "--format", "{{.Config.Env}}", tag); !strings.Contains(env, "GREETING=hello") {
		t.Errorf("derived image's environment %s; want step 1's GREETING in it, as documented", env)
	}
	// The image does not run the last step by default.
	if got := svc.Podman(t, "image", "inspect", "--format", "{{.Config.Entrypoint}} {{.Config.Cmd}}", tag); got != "[] []" {
		t.Errorf("derived image's ENTRYPOINT and CMD: %s; want the base's, none", got)
	}
	// What the steps did is in the image; the host network was there.
	stdout, _, err := run(t, d, executor.Cmd{Argv: []string{"cat", "/etc/greeting", "/etc/where"}})
	if err != nil || stdout != "hello\n/tmp\n" {
		t.Errorf("derived image: %q, %v", stdout, err)
	}
	stdout, _, err = run(t, d, executor.Cmd{Argv: []string{"cat", "/etc/net"}})
	if err != nil || stdout == "lo " || !strings.Contains(stdout, "lo ") {
		t.Errorf("step 2 with network host saw interfaces %q (%v); want the host's", stdout, err)
	}
	// The base is unchanged.
	if _, _, err := run(t, e, executor.Cmd{Argv: []string{"test", "!", "-e", "/etc/greeting"}}); err != nil {
		t.Errorf("base image changed: %v", err)
	}

	before := images(t, svc)
	ran := false
	again, reused, err := e.Derive(t.Context(), tag, []executor.Cmd{{Argv: []string{"sh", "-c", "echo ran"}, Stdout: writerFunc(func(p []byte) (int, error) { ran = true; return len(p), nil })}})
	if err != nil || !reused || ran {
		t.Errorf("second Derive: reused %v, ran a step %v, %v", reused, ran, err)
	}
	if err == nil && again.ImageID() != d.ImageID() {
		t.Errorf("second Derive: image %s, want %s", again.ImageID(), d.ImageID())
	}
	if after := images(t, svc); after != before {
		t.Errorf("second Derive changed the images:\n%s\nwas\n%s", after, before)
	}
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}
}

// TestDeriveConcurrent: concurrent Derives of one tag make it once.
func TestDeriveConcurrent(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		ids    = map[string]bool{}
		reuses int
	)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, reused, err := e.Derive(t.Context(), "localhost/imgpipe-derived:2", []executor.Cmd{{Argv: []string{"touch", "/made"}}})
			if err != nil {
				t.Errorf("Derive: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[c.ImageID()] = true
			if reused {
				reuses++
			}
		}()
	}
	wg.Wait()
	if len(ids) != 1 || reuses != 2 {
		t.Errorf("3 concurrent Derives: images %v, %d reused; want 1 image, 2 reused", ids, reuses)
	}
}

func TestDeriveFailingStep(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	before := images(t, svc)
	const tag = "localhost/imgpipe-derived:bad"
	var out bytes.Buffer
	_, _, err := e.Derive(t.Context(), tag, []executor.Cmd{
		{Argv: []string{"touch", "/ok"}},
		{Argv: []string{"sh", "-c", "echo the reason >&2; exit 3"}, Stderr: &out},
		{Argv: []string{"touch", "/never"}},
	})
	var se *executor.StepError
	var ee *executor.ExitError
	if !errors.As(err, &se) || se.Step != 1 || se.Tag != tag || !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("Derive with a failing step 2: %v; want a StepError for step 2 with exit status 3", err)
	}
	t.Logf("error: %v", err)
	if out.String() != "the reason\n" {
		t.Errorf("failing step's stderr %q", out.String())
	}
	if after := images(t, svc); after != before {
		t.Errorf("a failed Derive left an image:\n%s\nwas\n%s", after, before)
	}
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}

	// Refused steps and names.
	for _, steps := range [][]executor.Cmd{
		{{}},
		{{Argv: []string{"true"}, OutputDir: t.TempDir()}},
		{{Argv: []string{"true"}, Inputs: []string{"/etc/hostname"}}},
		{{Argv: []string{"true"}, Stdin: strings.NewReader("")}},
		{{Argv: []string{"true"}, Network: "bridge"}},
	} {
		if _, _, err := e.Derive(t.Context(), "localhost/x:1", steps); err == nil {
			t.Errorf("Derive(%+v) succeeded", steps[0])
		}
	}
	if _, _, err := e.Derive(t.Context(), "localhost/x", nil); err == nil {
		t.Error("Derive of an untagged name succeeded")
	}
}

// TestCmdContainerOptions: a Cmd's Privileged, Network and Devices add to
// the executor's options for that process only.
func TestCmdContainerOptions(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	stdout, _, err := run(t, e, executor.Cmd{Argv: []string{"ls", "/sys/class/net"}})
	if err != nil || stdout != "lo\n" {
		t.Errorf("default network: interfaces %q, %v", stdout, err)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"cat", "/proc/net/dev"}, Network: NetworkHost})
	want, _ := os.ReadFile("/proc/net/dev")
	if err != nil || strings.Count(stdout, ":") != strings.Count(string(want), ":") {
		t.Errorf("Cmd.Network host: /proc/net/dev\n%s\n%v; want the host's\n%s", stdout, err, want)
	}
	host := newExecutor(t, svc, Options{Network: NetworkHost})
	stdout, _, err = run(t, host, executor.Cmd{Argv: []string{"ls", "/sys/class/net"}, Network: NetworkNone})
	if err != nil || stdout != "lo\n" {
		t.Errorf("Cmd.Network none on a host-network executor: interfaces %q, %v", stdout, err)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"sh", "-c", "grep CapEff /proc/self/status | cut -f2"}, Privileged: true})
	if want := capBnd(t); err != nil || stdout != want+"\n" {
		t.Errorf("Cmd.Privileged: CapEff %q, %v; want all of the host's, %s", stdout, err, want)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"sh", "-c", "grep CapEff /proc/self/status | cut -f2"}})
	if err != nil || stdout == capBnd(t)+"\n" {
		t.Errorf("the next Cmd is privileged too: CapEff %q, %v", stdout, err)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"sh", "-c", "test -c /dev/loop-control && echo yes || echo no"}, Devices: []string{"/dev/loop-control"}})
	if err != nil || stdout != "yes\n" {
		t.Errorf("Cmd.Devices /dev/loop-control: %q, %v", stdout, err)
	}
	if _, _, err := run(t, e, executor.Cmd{Argv: []string{"true"}, Network: "bridge"}); err == nil {
		t.Error("Cmd.Network bridge: no error")
	}
	if e.Identity() != newExecutor(t, svc, Options{}).Identity() {
		t.Error("Identity changed")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestDeriveCancel: cancelling Derive during a step stops it, and leaves no
// container and no image.
func TestDeriveCancel(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	before := images(t, svc)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := new(syncbuf.Buffer)
	errc := make(chan error, 1)
	go func() {
		_, _, err := e.Derive(ctx, "localhost/imgpipe-derived:cancel", []executor.Cmd{
			{Argv: []string{"touch", "/first"}},
			{Argv: []string{"sh", "-c", "echo started; exec sleep 600"}, Stdout: out},
		})
		errc <- err
	}()
	waitFor(t, out, "started")
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Derive: %v; want context.Canceled", err)
		}
	case <-time.After(patience):
		t.Fatal("Derive did not return after its context was cancelled")
	}
	if after := images(t, svc); after != before {
		t.Errorf("a cancelled Derive left an image:\n%s\nwas\n%s", after, before)
	}
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}
}
