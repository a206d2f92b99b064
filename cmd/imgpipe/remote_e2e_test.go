//go:build remote

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// remoteRecipe builds two arches: x86_64 on the host, aarch64 on the
// remote builder (%[1]s its ssh URI, %[2]s the key). probe reads a file
// beside the recipe (an input, copied in through the API for the builder)
// and records where it ran; publish puts both arches' files into the store. On
// aarch64, probe says "started" and then waits on a FIFO in its container
// until the test writes to it: the test knows the stage is running without
// sleeping, and decides when it ends.
const remoteRecipe = `
variable "attempt" { default = "1" }

build {
  name    = "remote"
  version = "1"
  release = var.attempt
  arches  = ["x86_64", "aarch64"]
}

executor "podman" "arm" {
  connection = "%[1]s"
  identity   = "%[2]s"
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
}

# Runs where its arch is routed too; probe reads its output through the
# store path the reference resolves to, which the builder must be given.
stage "exec" "upstream" {
  command = ["sh", "-c", "echo upstream-${arch} >\"$IMGPIPE_OUT/up.txt\""]
  outputs = ["up.txt"]
}

stage "exec" "probe" {
  env = { GATE = arch == "aarch64" ? "yes" : "", ATTEMPT = var.attempt }
  command = ["sh", "-euc", <<-EOT
    if [ -n "$GATE" ]; then mkfifo /tmp/gate; echo started; cat /tmp/gate >/dev/null; fi
    { cat seed.txt ${stage.upstream["up.txt"]}; if [ -e /etc/imgpipe-marker ]; then cat /etc/imgpipe-marker; else echo host; fi; } >"$IMGPIPE_OUT/where"
    EOT
  ]
  inputs  = ["seed.txt"] # beside the recipe; copied into the builder's container
  outputs = ["where"]
}

stage "upload" "publish" {
  artifacts = { where = stage.probe.where }
}
`

// remoteRun is one imgpipe run in a child process (the bindings' ssh client
// reads ~/.ssh/known_hosts from a HOME read once per process: the child's
// is the test's).
type remoteRun struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer // the JSON events, then whatever else
	events chan events.Event
	all    []events.Event // every event; read after done
	done   chan error
}

func startRemoteRun(t *testing.T, home string, args ...string) *remoteRun {
	t.Helper()
	cmd := imgpipeCmd(args...)
	cmd.Env = append(cmd.Env, "HOME="+home)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	rr := &remoteRun{cmd: cmd, events: make(chan events.Event, 1024), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(io.TeeReader(pipe, &rr.stderr))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e events.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type != "" {
				rr.all = append(rr.all, e)
				select {
				case rr.events <- e:
				default: // nobody waits for lines any more
				}
			}
		}
		close(rr.events)
		rr.done <- cmd.Wait()
	}()
	return rr
}

// waitLine waits for the stage's log line.
func (rr *remoteRun) waitLine(t *testing.T, stage, arch, line string) {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case e, ok := <-rr.events:
			if !ok {
				t.Fatalf("imgpipe ended before %s[%s] printed %q:\n%s", stage, arch, line, rr.stderr.String())
			}
			if e.Type == events.StageLog && e.Stage == stage && e.Arch == arch && e.Line == line {
				return
			}
		case <-deadline:
			t.Fatalf("%s[%s] did not print %q", stage, arch, line)
		}
	}
}

// wait waits for imgpipe to exit and returns its exit code and each stage
// instance's last event type.
func (rr *remoteRun) wait(t *testing.T) (int, map[string]events.Type) {
	t.Helper()
	err := <-rr.done
	got := map[string]events.Type{}
	for _, e := range rr.all {
		if e.Stage != "" && e.Type != events.StageLog {
			got[e.Stage+"["+e.Arch+"]"] = e.Type
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, got
	case errors.As(err, &ee):
		return ee.ExitCode(), got
	default:
		t.Fatalf("imgpipe: %v", err)
		return -1, nil
	}
}

// openGates lets every probe waiting on the builder go on. Another stage's
// container may still be listed while it goes away: an exec into it fails
// and is ignored; only a container with the gate must take the write.
func openGates(t *testing.T, r *podmantest.Remote) {
	t.Helper()
	opened := 0
	for _, c := range r.Containers(t) {
		if c.State != "running" {
			continue
		}
		out, err := r.Command(t.Context(), "exec", c.ID, "sh", "-c", "test -p /tmp/gate || exit 3; echo go > /tmp/gate").CombinedOutput()
		if err == nil {
			opened++
		} else {
			t.Logf("container %.12s has no gate to open: %v: %s", c.ID, err, out)
		}
	}
	if opened == 0 {
		t.Fatal("no probe waiting at its gate on the builder")
	}
}

// TestRunRemoteBuilder runs a two-arch build with aarch64 on a podman
// service behind a real sshd in its own mount namespace (podmantest.Remote):
// both arches run and publish. Then sshd is killed while aarch64's probe
// runs: the stage fails with the lost connection, imgpipe exits 1, and the
// store has no object for that stage; with sshd back, the same run works.
func TestRunRemoteBuilder(t *testing.T) {
	if _, err := os.Stat("/etc/imgpipe-marker"); err == nil {
		t.Fatal("/etc/imgpipe-marker exists on this machine: the test could not tell the host from a container")
	}
	r := podmantest.StartRemote(t)
	importMarked(t, r.Service, "localhost/builder:1", "remote-builder")
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(r.KnownHosts), 0o600); err != nil {
		t.Fatal(err)
	}
	recipe := filepath.Join(t.TempDir(), "remote.hcl")
	if err := os.WriteFile(recipe, fmt.Appendf(nil, remoteRecipe, r.URI, r.IdentityFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(recipe), "seed.txt"), []byte("seed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(filepath.Dir(recipe), ".imgpipe")
	all := []string{"probe[x86_64]", "probe[aarch64]", "publish[x86_64]", "publish[aarch64]"}

	// Both arches run and publish.
	started := time.Now()
	rr := startRemoteRun(t, home, "run", "--progress", "json", recipe)
	rr.waitLine(t, "probe", "aarch64", "started")
	openGates(t, r)
	code, got := rr.wait(t)
	if code != exitOK {
		t.Fatalf("first run: exit %d:\n%s", code, rr.stderr.String())
	}
	for _, inst := range all {
		if got[inst] != events.StageDone {
			t.Errorf("first run: %s %q, want done (all: %v)", inst, got[inst], got)
		}
	}
	t.Logf("first run: %v", time.Since(started).Round(time.Millisecond))
	build := filepath.Join(store, "builds", "remote", "1", "1")
	if _, err := os.Stat(filepath.Join(build, "metadata.json")); err != nil {
		t.Fatalf("the build was not published: %v", err)
	}
	images, _ := os.ReadDir(filepath.Join(build, "images"))
	wants := map[string]string{"x86_64": "seed\nupstream-x86_64\nhost\n", "aarch64": "seed\nupstream-aarch64\nremote-builder\n"}
	for _, img := range images {
		for arch, want := range wants {
			if strings.Contains(img.Name(), arch) {
				b, err := os.ReadFile(filepath.Join(build, "images", img.Name()))
				if err != nil || string(b) != want {
					t.Errorf("published %s: %q, %v; want %q", img.Name(), b, err, want)
				}
				delete(wants, arch)
			}
		}
	}
	if len(wants) > 0 {
		t.Errorf("no published file for %v in %s: %v", wants, build, images)
	}

	// sshd dies while aarch64's probe runs.
	doc := remotePlan(t, home, "-var", "attempt=2", recipe)
	var probeID string
	for _, s := range doc.Stages {
		if s.Name == "probe" && s.Arch == "aarch64" {
			probeID = s.ID
		}
	}
	if probeID == "" {
		t.Fatalf("no probe[aarch64] in the plan: %+v", doc.Stages)
	}
	rr = startRemoteRun(t, home, "run", "--progress", "json", "-var", "attempt=2", recipe)
	rr.waitLine(t, "probe", "aarch64", "started")
	killed := time.Now()
	r.KillSSHD(t)
	code, got = rr.wait(t)
	t.Logf("imgpipe exited %v after sshd was killed", time.Since(killed).Round(time.Millisecond))
	if code != exitFailed {
		t.Errorf("run with sshd killed: exit %d, want %d:\n%s", code, exitFailed, rr.stderr.String())
	}
	for _, e := range rr.all {
		if e.Type == events.StageFailed {
			t.Logf("%s[%s] failed: %s", e.Stage, e.Arch, e.Error)
		}
	}
	if got["probe[aarch64]"] != events.StageFailed {
		t.Errorf("probe[aarch64]: %q, want failed (all: %v)", got["probe[aarch64]"], got)
	}
	if want := "the connection to " + r.URI + " was lost"; !strings.Contains(rr.stderr.String(), want) {
		t.Errorf("imgpipe does not say %q:\n%s", want, rr.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(store, "objects", probeID)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("objects/%s exists after the failed stage: %v", probeID, err)
	}
	if left, _ := filepath.Glob(filepath.Join(store, "tmp", probeID+"*")); len(left) > 0 {
		t.Errorf("the failed stage's pending object is left: %v", left)
	}
	if _, err := os.Stat(filepath.Join(store, "builds", "remote", "1", "2", "metadata.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("release 2 was published although aarch64 failed: %v", err)
	}

	// sshd is back; the user removes the container left on the builder,
	// as the error says, and runs again.
	r.StartSSHD(t)
	for _, c := range r.Containers(t) {
		r.Podman(t, "rm", "--force", "--ignore", "--time", "0", c.ID)
	}
	rr = startRemoteRun(t, home, "run", "--progress", "json", "-var", "attempt=2", recipe)
	rr.waitLine(t, "probe", "aarch64", "started")
	openGates(t, r)
	code, got = rr.wait(t)
	if code != exitOK || got["probe[aarch64]"] != events.StageDone {
		t.Errorf("run after sshd restarted: exit %d, %v:\n%s", code, got, rr.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(store, "objects", probeID)); err != nil {
		t.Errorf("objects/%s after the rerun: %v", probeID, err)
	}
	if cs := r.Containers(t); len(cs) != 0 {
		t.Errorf("containers left on the builder: %+v", cs)
	}
}

// remotePlan returns `imgpipe plan --json` in a child process with HOME.
func remotePlan(t *testing.T, home string, args ...string) engine.PlanDoc {
	t.Helper()
	cmd := imgpipeCmd(append([]string{"plan", "--json"}, args...)...)
	cmd.Env = append(cmd.Env, "HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("imgpipe plan: %v\n%s", err, stderr.String())
	}
	var doc engine.PlanDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, out)
	}
	return doc
}
