//go:build remote

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// poolRecipe builds aarch64 on a pool of two builders, arm-a and arm-b
// (%[1]s, %[3]s their ssh URIs, %[2]s, %[4]s their keys), one stage at a
// time each. Four independent stages make four aarch64 instances; each
// says "started" and then waits on a FIFO in its container until the test
// writes to it, so the test decides when each ends and knows which are
// running, without sleeping.
const poolRecipe = `
variable "attempt" { default = "1" }

build {
  name    = "pool"
  version = "1"
  release = var.attempt
  arches  = ["aarch64"]
}

executor "podman" "arm-a" {
  connection = "%[1]s"
  identity   = "%[2]s"
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
}

executor "podman" "arm-b" {
  connection = "%[3]s"
  identity   = "%[4]s"
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
  jobs       = 1
}

%[5]s

stage "upload" "publish" {
  artifacts = { s1 = stage.s1.out, s2 = stage.s2.out, s3 = stage.s3.out, s4 = stage.s4.out }
}
`

// poolStage is one gated stage of poolRecipe.
const poolStage = `
stage "exec" "%[1]s" {
  env     = { ATTEMPT = var.attempt }
  command = ["sh", "-euc", "mkfifo /tmp/gate; echo started; cat /tmp/gate >/dev/null; rm /tmp/gate; echo %[1]s-$ATTEMPT >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
`

// poolRun follows a run of poolRecipe: which builder each stage runs on
// (its last stage.started) and which stage waits at its gate on each. A
// stage waits there from its "started" line until the test opens its
// gate: a second one waiting on a builder would be two stages at once
// there, which its jobs = 1 forbids.
type poolRun struct {
	*remoteRun
	on      map[string]string   // stage → builder
	waiting map[string]string   // builder → the stage waiting at its gate there
	ran     map[string][]string // builder → the stages started there
}

// open opens the gate of the stage waiting on the builder.
func (pr *poolRun) open(t *testing.T, builder string, r *podmantest.Remote) {
	t.Helper()
	openGates(t, r)
	delete(pr.waiting, builder)
}

// next handles the run's next event and returns it; ok is false when the
// run has ended.
func (pr *poolRun) next(t *testing.T) (events.Event, bool) {
	t.Helper()
	select {
	case e, ok := <-pr.events:
		if !ok {
			return e, false
		}
		switch e.Type {
		case events.StageStarted:
			if e.Kind == "exec" && e.Builder == "" {
				t.Errorf("stage.started of %s names no builder", e.Stage)
			}
			pr.on[e.Stage] = e.Builder
			pr.ran[e.Builder] = append(pr.ran[e.Builder], e.Stage)
		case events.StageLog:
			if e.Line == "started" {
				b := pr.on[e.Stage]
				if other, ok := pr.waiting[b]; ok {
					t.Errorf("%s and %s run at once on %s, whose jobs is 1", other, e.Stage, b)
				}
				pr.waiting[b] = e.Stage
			}
		}
		return e, true
	case <-time.After(3 * time.Minute):
		t.Fatalf("no event for 3 minutes:\n%s", pr.stderr.String())
		return events.Event{}, false
	}
}

// TestRunBuilderPool runs four aarch64 instances on a pool of two podman
// services behind real sshds (podmantest.Remote), each taking one stage at
// a time: the stages spread over both builders, and `imgpipe builders`
// shows both. Then one builder's sshd is killed while a stage runs there:
// that stage runs again on the other builder, every later stage goes there
// too, and the build succeeds. A builder down when the run starts, or with
// another image than the pool's, is skipped with a warning.
func TestRunBuilderPool(t *testing.T) {
	a, b := podmantest.StartRemote(t), podmantest.StartRemote(t)
	importMarked(t, a.Service, "localhost/builder:1", "pool-builder")
	copyImage(t, a, b, "localhost/builder:1") // the same image ID on both, as a pool needs
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(a.KnownHosts+b.KnownHosts), 0o600); err != nil {
		t.Fatal(err)
	}
	var stageBlocks strings.Builder
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		fmt.Fprintf(&stageBlocks, poolStage, s)
	}
	dir := t.TempDir()
	recipe := filepath.Join(dir, "pool.hcl")
	if err := os.WriteFile(recipe, fmt.Appendf(nil, poolRecipe, a.URI, a.IdentityFile, b.URI, b.IdentityFile, stageBlocks.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	remotes := map[string]*podmantest.Remote{"arm-a": a, "arm-b": b}

	// `imgpipe builders` sees both, with the image.
	states := poolBuilders(t, home, recipe, exitOK)
	for _, s := range states {
		if s.State != "ok" || !s.Reachable || s.Podman == "" || !s.ImagePresent || s.Jobs != 1 {
			t.Errorf("builders: %+v, want ok, reachable, a podman version, the image, jobs 1", s)
		}
	}

	// First run: the first two stages wait at their gates, one on each
	// builder; then every stage goes on as soon as it waits.
	pr := startPoolRun(t, home, recipe, "1")
	spread := false
	for {
		e, ok := pr.next(t)
		if !ok {
			break
		}
		if e.Type != events.StageLog || e.Line != "started" {
			continue
		}
		if !spread {
			if len(pr.waiting) < 2 {
				continue
			}
			spread = true
			t.Logf("waiting at once: %v", pr.waiting)
			for _, name := range []string{"arm-a", "arm-b"} {
				pr.open(t, name, remotes[name])
			}
			continue
		}
		pr.open(t, pr.on[e.Stage], remotes[pr.on[e.Stage]])
	}
	code, got := pr.wait(t)
	if code != exitOK {
		t.Fatalf("first run: exit %d:\n%s", code, pr.stderr.String())
	}
	for _, s := range []string{"s1", "s2", "s3", "s4", "publish"} {
		if got[s+"[aarch64]"] != events.StageDone {
			t.Errorf("first run: %s[aarch64] %q, want done (all: %v)", s, got[s+"[aarch64]"], got)
		}
	}
	if !spread || len(pr.ran["arm-a"]) == 0 || len(pr.ran["arm-b"]) == 0 {
		t.Errorf("first run: stages ran on %v; want both builders, one stage each at once", pr.ran)
	}
	t.Logf("first run: %v", pr.ran)

	// The IDs of attempt 3's stages while both builders serve: the same
	// once only arm-b does (below), as the image is the same.
	planned := map[string]string{}
	for _, st := range remotePlan(t, home, "-var", "attempt=3", recipe).Stages {
		planned[st.Name] = st.ID
	}

	// Second run: arm-a's sshd dies while a stage waits there. That stage
	// runs again on arm-b; so do the others.
	pr = startPoolRun(t, home, recipe, "2")
	killed, lostStage := false, ""
	var afterKill []events.Event
	for {
		e, ok := pr.next(t)
		if !ok {
			break
		}
		if killed && e.Type == events.StageStarted && e.Kind == "exec" {
			afterKill = append(afterKill, e)
		}
		if e.Type != events.StageLog || e.Line != "started" {
			continue
		}
		if !killed {
			if len(pr.waiting) < 2 {
				continue
			}
			lostStage = pr.waiting["arm-a"]
			t.Logf("killing arm-a's sshd while %s waits there (waiting: %v)", lostStage, pr.waiting)
			a.KillSSHD(t)
			killed = true
			delete(pr.waiting, "arm-a") // its gate stays shut: the stage runs again on arm-b
			pr.open(t, "arm-b", b)
			continue
		}
		if on := pr.on[e.Stage]; on != "arm-b" {
			t.Errorf("%s started on %s after arm-a was lost", e.Stage, on)
			continue
		}
		pr.open(t, "arm-b", b)
	}
	code, got = pr.wait(t)
	if code != exitOK {
		t.Fatalf("run with arm-a's sshd killed: exit %d, want %d:\n%s", code, exitOK, pr.stderr.String())
	}
	for _, s := range []string{"s1", "s2", "s3", "s4", "publish"} {
		if got[s+"[aarch64]"] != events.StageDone {
			t.Errorf("second run: %s[aarch64] %q, want done (all: %v)", s, got[s+"[aarch64]"], got)
		}
	}
	rerun := false
	for _, e := range afterKill {
		if e.Builder != "arm-b" {
			t.Errorf("after arm-a was lost, %s started on %q", e.Stage, e.Builder)
		}
		if e.Stage == lostStage {
			rerun = true
			if !strings.Contains(e.Reason, "builder arm-a was lost") || !strings.Contains(e.Reason, "running the stage again on arm-b") {
				t.Errorf("%s's second stage.started says %q", e.Stage, e.Reason)
			}
		}
	}
	if !rerun {
		t.Errorf("%s did not start again after arm-a was lost; started after: %+v", lostStage, afterKill)
	}
	logged := false
	for _, e := range pr.all {
		logged = logged || e.Type == events.StageLog && e.Stage == lostStage && strings.HasPrefix(e.Line, "builder arm-a was lost (the connection to "+a.URI+" was lost")
	}
	if !logged {
		t.Errorf("%s's log does not say arm-a was lost", lostStage)
	}
	build := filepath.Join(dir, ".imgpipe", "builds", "pool", "1", "2")
	if _, err := os.Stat(filepath.Join(build, "metadata.json")); err != nil {
		t.Fatalf("release 2 was not published: %v", err)
	}
	images, _ := os.ReadDir(filepath.Join(build, "images"))
	var contents []string
	for _, img := range images {
		b, _ := os.ReadFile(filepath.Join(build, "images", img.Name()))
		contents = append(contents, strings.TrimSpace(string(b)))
	}
	slices.Sort(contents)
	if want := []string{"s1-2", "s2-2", "s3-2", "s4-2"}; !slices.Equal(contents, want) {
		t.Errorf("published %v, want %v", contents, want)
	}

	// `imgpipe builders` says arm-a is unreachable, arm-b fine, and exits 1.
	states = poolBuilders(t, home, recipe, exitFailed)
	if len(states) != 2 || states[0].State != "unreachable" || states[0].Reachable || states[1].State != "ok" {
		t.Errorf("builders after arm-a's sshd died: %+v", states)
	}

	// A builder that cannot be reached when the run starts is skipped with
	// a warning; the pool's other builder runs everything.
	pr = startPoolRun(t, home, recipe, "3")
	pr.drive(t, remotes)
	if code, got = pr.wait(t); code != exitOK || got["publish[aarch64]"] != events.StageDone {
		t.Fatalf("run with arm-a down from the start: exit %d, %v:\n%s", code, got, pr.stderr.String())
	}
	if !strings.Contains(pr.stderr.String(), "Warning: Builder skipped") || !strings.Contains(pr.stderr.String(), `Executor "arm-a"`) {
		t.Errorf("no warning that arm-a is skipped:\n%s", pr.stderr.String())
	}
	if len(pr.ran["arm-a"]) > 0 || len(pr.ran["arm-b"]) != 4 {
		t.Errorf("with arm-a down: stages ran on %v, want all four on arm-b", pr.ran)
	}
	for _, e := range pr.all {
		if e.Type == events.StageStarted && e.ID != planned[e.Stage] {
			t.Errorf("%s ran on arm-b as %s; planned with both builders up as %s", e.Stage, e.ID, planned[e.Stage])
		}
	}

	// arm-a is back with another image under the same name. The first
	// declared builder's image is the pool's (the stage IDs name it): arm-b,
	// whose image differs, is skipped, and builders says so.
	a.StartSSHD(t)
	importMarked(t, a.Service, "localhost/builder:1", "another-image")
	states = poolBuilders(t, home, recipe, exitOK)
	if len(states) != 2 || states[0].State != "ok" || states[1].State != "image differs" || states[0].ImageID == states[1].ImageID {
		t.Errorf("builders with different images: %+v", states)
	}
	pr = startPoolRun(t, home, recipe, "4")
	pr.drive(t, remotes)
	if code, got = pr.wait(t); code != exitOK || got["publish[aarch64]"] != events.StageDone {
		t.Fatalf("run with different images: exit %d, %v:\n%s", code, got, pr.stderr.String())
	}
	if want := "sha256:" + states[1].ImageID + ", not"; !strings.Contains(pr.stderr.String(), `Executor "arm-b"`) || !strings.Contains(pr.stderr.String(), want) {
		t.Errorf("no warning that arm-b is skipped (%q):\n%s", want, pr.stderr.String())
	}
	if len(pr.ran["arm-b"]) > 0 || len(pr.ran["arm-a"]) != 4 {
		t.Errorf("with arm-b's image different: stages ran on %v, want all four on arm-a", pr.ran)
	}
}

// drive opens each stage's gate as soon as it waits there, until the run
// ends.
func (pr *poolRun) drive(t *testing.T, remotes map[string]*podmantest.Remote) {
	t.Helper()
	for {
		e, ok := pr.next(t)
		if !ok {
			return
		}
		if e.Type == events.StageLog && e.Line == "started" {
			pr.open(t, pr.on[e.Stage], remotes[pr.on[e.Stage]])
		}
	}
}

// startPoolRun starts `imgpipe run` of the pool recipe with the attempt.
func startPoolRun(t *testing.T, home, recipe, attempt string) *poolRun {
	t.Helper()
	// --jobs 1 bounds the stages on this machine, not those on the pool:
	// two builders still run two stages at once.
	rr := startRemoteRun(t, home, "run", "--progress", "json", "--jobs", "1", "-var", "attempt="+attempt, recipe)
	return &poolRun{remoteRun: rr, on: map[string]string{}, waiting: map[string]string{}, ran: map[string][]string{}}
}

// poolBuilders runs `imgpipe builders --format json` with HOME and wants
// the exit code code.
func poolBuilders(t *testing.T, home, recipe string, code int) []builderState {
	t.Helper()
	cmd := imgpipeCmd("builders", "--format", "json", recipe)
	cmd.Env = append(cmd.Env, "HOME="+home)
	out, err := cmd.Output()
	if got := cmd.ProcessState.ExitCode(); got != code {
		t.Fatalf("imgpipe builders: exit %d (%v), want %d:\n%s", got, err, code, out)
	}
	var states []builderState
	if err := json.Unmarshal(out, &states); err != nil {
		t.Fatalf("imgpipe builders: %v\n%s", err, out)
	}
	return states
}

// copyImage copies the image ref from one service to another as `podman
// save | podman load` does, keeping its ID (an import would make another).
func copyImage(t *testing.T, from, to *podmantest.Remote, ref string) {
	t.Helper()
	save := from.Command(t.Context(), "save", ref)
	load := to.Command(t.Context(), "load")
	pipe, err := save.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	load.Stdin = pipe
	var saveErr, loadOut strings.Builder
	save.Stderr, load.Stdout, load.Stderr = &saveErr, &loadOut, &loadOut
	if err := save.Start(); err != nil {
		t.Fatal(err)
	}
	lerr := load.Run()
	if err := save.Wait(); err != nil {
		t.Fatalf("podman save %s: %v\n%s", ref, err, saveErr.String())
	}
	if lerr != nil {
		t.Fatalf("podman load: %v\n%s", lerr, loadOut.String())
	}
	idOf := func(r *podmantest.Remote) string {
		return strings.TrimSpace(r.Podman(t, "image", "inspect", "--format", "{{.Id}}", ref))
	}
	if ia, ib := idOf(from), idOf(to); ia != ib {
		t.Fatalf("image %s: ID %s on one builder, %s on the other", ref, ia, ib)
	}
}
