//go:build remote

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// These tests run the real command line against a real podman service
// (internal/podmantest) with images imported offline. Each image carries
// /etc/imgpipe-marker, a file the host does not have, so a stage's output
// says where it ran.

// importMarked imports a busybox image whose /etc/imgpipe-marker holds
// marker, as ref, and returns its ID.
func importMarked(t *testing.T, svc *podmantest.Service, ref, marker string) string {
	t.Helper()
	root := podmantest.BusyboxRootfs(t)
	if err := os.WriteFile(filepath.Join(root, "etc", "imgpipe-marker"), []byte(marker+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return svc.Import(t, root, ref)
}

// cli runs imgpipe with args and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// runStatuses runs a recipe with --progress=json and returns, for each
// stage instance ("name[arch]"), whether it was "done" or "cached".
func runStatuses(t *testing.T, recipe string) map[string]string {
	t.Helper()
	code, _, stderr := cli(t, "run", "--progress", "json", recipe)
	if code != exitOK {
		t.Fatalf("imgpipe run exited with %d:\n%s", code, stderr)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var e events.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch e.Type {
		case events.StageDone:
			got[e.Stage+"["+e.Arch+"]"] = "done"
		case events.StageCached:
			got[e.Stage+"["+e.Arch+"]"] = "cached"
		}
	}
	return got
}

// planDoc returns `imgpipe plan --json` of a recipe.
func planDoc(t *testing.T, recipe string) engine.PlanDoc {
	t.Helper()
	code, stdout, stderr := cli(t, "plan", "--json", recipe)
	if code != exitOK {
		t.Fatalf("imgpipe plan exited with %d:\n%s", code, stderr)
	}
	var doc engine.PlanDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, stdout)
	}
	return doc
}

// stageDoc returns the plan's instance of stage name for arch.
func stageDoc(t *testing.T, doc engine.PlanDoc, name, arch string) engine.StageDoc {
	t.Helper()
	for _, s := range doc.Stages {
		if s.Name == name && (s.Arch == arch || s.Arch == kind.NoArch) {
			return s
		}
	}
	t.Fatalf("the plan has no instance of %s for %s: %+v", name, arch, doc.Stages)
	return engine.StageDoc{}
}

// objectFile reads a file of a stage's object in the store beside recipe.
func objectFile(t *testing.T, recipe, id, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(recipe), ".imgpipe", "objects", id, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func writeRecipe(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "recipe.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// probe is an exec stage that records where it ran: the image's marker, or
// "host" on a machine without one.
const probe = `
stage "exec" "probe" {
  command = ["sh", "-c", "if [ -e /etc/imgpipe-marker ]; then cat /etc/imgpipe-marker; else echo host; fi > \"$IMGPIPE_OUT/where\""]
  outputs = ["where"]
  %s
}
`

// TestRunPodmanDigest runs an exec stage with executor = "podman" (the
// service from CONTAINER_HOST) and checks the digest rule: the stage ID
// names the image's ID, so re-importing a changed image under the same
// tag reruns the stage, and an unchanged image leaves the run cached.
func TestRunPodmanDigest(t *testing.T) {
	if _, err := os.Stat("/etc/imgpipe-marker"); err == nil {
		t.Fatal("/etc/imgpipe-marker exists on this machine: the test could not tell the host from a container")
	}
	svc := podmantest.Start(t)
	firstID := importMarked(t, svc, "localhost/probe:1", "image-1")
	t.Setenv("CONTAINER_HOST", svc.URI)
	recipe := writeRecipe(t, `build {
  name    = "probe"
  version = "1"
  arches  = ["x86_64"]
}
`+strings.Replace(probe, "%s", `executor = "podman"
  image    = "localhost/probe:1"`, 1)+`
stage "exec" "after" {
  command = ["sh", "-c", "cp \"$0\" \"$IMGPIPE_OUT/copy\"", stage.probe.where]
  outputs = ["copy"]
}
`)

	doc := planDoc(t, recipe)
	s := stageDoc(t, doc, "probe", "x86_64")
	if want := "podman image=sha256:" + firstID + " network=none"; s.Executor != want || s.ExecutorName != "podman" {
		t.Errorf("plan: probe runs on %q (%q), want %q (\"podman\")", s.Executor, s.ExecutorName, want)
	}

	if got := runStatuses(t, recipe); got["probe[x86_64]"] != "done" || got["after[x86_64]"] != "done" {
		t.Fatalf("first run: %v, want probe and after done", got)
	}
	if got := objectFile(t, recipe, s.ID, "where"); got != "image-1" {
		t.Errorf("probe wrote %q, want the image's marker image-1", got)
	}
	if got := runStatuses(t, recipe); got["probe[x86_64]"] != "cached" || got["after[x86_64]"] != "cached" {
		t.Errorf("rerun with the same image: %v, want everything cached", got)
	}
	if left := svc.Containers(t); len(left) != 0 {
		t.Errorf("containers left after the runs: %+v", left)
	}

	// The same tag, another image: the stage and the one after it rerun.
	secondID := importMarked(t, svc, "localhost/probe:1", "image-2")
	if secondID == firstID {
		t.Fatal("the re-imported image has the same ID")
	}
	doc = planDoc(t, recipe)
	s2 := stageDoc(t, doc, "probe", "x86_64")
	if s2.ID == s.ID {
		t.Errorf("the stage ID did not change with the image's ID")
	}
	if got := runStatuses(t, recipe); got["probe[x86_64]"] != "done" || got["after[x86_64]"] != "done" {
		t.Errorf("run after re-import: %v, want probe and after done", got)
	}
	if got := objectFile(t, recipe, s2.ID, "where"); got != "image-2" {
		t.Errorf("probe wrote %q after the re-import, want image-2", got)
	}
}

// TestRunRoutedArch routes aarch64's stages to an executor block: its probe
// runs in the block's image, x86_64's on the host, and the upload of both
// stays local.
func TestRunRoutedArch(t *testing.T) {
	if _, err := os.Stat("/etc/imgpipe-marker"); err == nil {
		t.Fatal("/etc/imgpipe-marker exists on this machine: the test could not tell the host from a container")
	}
	svc := podmantest.Start(t)
	importMarked(t, svc, "localhost/builder:1", "second-service")
	// No CONTAINER_HOST: the block names its connection.
	t.Setenv("CONTAINER_HOST", "unix:///nonexistent/podman.sock")
	recipe := writeRecipe(t, `build {
  name     = "routed"
  version  = "1"
  release  = "1"
  arches   = ["x86_64", "aarch64"]
}

executor "podman" "second" {
  connection = "`+svc.URI+`"
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
}
`+strings.Replace(probe, "%s", "", 1)+`
stage "upload" "publish" {
  artifacts = { where = stage.probe.where }
}
`)
	doc := planDoc(t, recipe)
	for _, tt := range []struct{ stage, arch, executor string }{
		{"probe", "x86_64", ""},
		{"probe", "aarch64", "second"},
		{"publish", "x86_64", ""},
		{"publish", "aarch64", ""},
	} {
		if s := stageDoc(t, doc, tt.stage, tt.arch); s.ExecutorName != tt.executor {
			t.Errorf("plan: %s[%s] runs on %q, want %q", tt.stage, tt.arch, s.ExecutorName, tt.executor)
		}
	}
	code, stdout, stderr := cli(t, "plan", recipe)
	if code != exitOK || !strings.Contains(stdout, "EXECUTOR") ||
		!strings.Contains(stdout, "aarch64  second") || !strings.Contains(stdout, "x86_64   host") {
		t.Errorf("plan table does not show the routing (exit %d):\n%s%s", code, stdout, stderr)
	}

	got := runStatuses(t, recipe)
	for _, inst := range []string{"probe[x86_64]", "probe[aarch64]", "publish[x86_64]", "publish[aarch64]"} {
		if got[inst] != "done" {
			t.Errorf("%s: %q, want done (all: %v)", inst, got[inst], got)
		}
	}
	for arch, want := range map[string]string{"x86_64": "host", "aarch64": "second-service"} {
		if got := objectFile(t, recipe, stageDoc(t, doc, "probe", arch).ID, "where"); got != want {
			t.Errorf("probe for %s wrote %q, want %q", arch, got, want)
		}
	}
}

// TestRunExecutorUnreachable: a service that cannot be reached fails the
// run with exit 1 before any stage, naming the connection; plan still
// shows the graph and warns that the IDs are provisional.
func TestRunExecutorUnreachable(t *testing.T) {
	conn := "unix:///nonexistent/imgpipe-test/podman.sock"
	recipe := writeRecipe(t, `build {
  name    = "unreachable"
  version = "1"
  arches  = ["x86_64"]
}

executor "podman" "gone" {
  connection = "`+conn+`"
  arches     = ["x86_64"]
  image      = "localhost/builder:1"
}
`+strings.Replace(probe, "%s", "", 1))
	code, stdout, stderr := cli(t, "plan", recipe)
	if code != exitOK || !strings.Contains(stderr, "Cannot open executor") || !strings.Contains(stdout, "gone") {
		t.Errorf("plan: exit %d, want 0 with a warning and the routing:\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = cli(t, "run", "--progress", "plain", recipe)
	if code != exitFailed || !strings.Contains(stderr, conn) || !strings.Contains(stderr, `executor "gone"`) {
		t.Errorf("run: exit %d, want %d naming the executor and %s:\n%s", code, exitFailed, conn, stderr)
	}
	if strings.Contains(stderr, "probe (exec)") {
		t.Errorf("run started a stage:\n%s", stderr)
	}
}

// TestDoctorPodman: doctor reaches the service of CONTAINER_HOST, and a
// recipe's executor block by its own connection.
func TestDoctorPodman(t *testing.T) {
	svc := podmantest.Start(t)
	t.Setenv("CONTAINER_HOST", svc.URI)
	recipe := writeRecipe(t, fmt.Sprintf(`build {
  name    = "doctor"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

executor "podman" "second" {
  connection = %q
  arches     = ["aarch64"]
  image      = "localhost/none:1"
}

# The default service: doctor checks it because a stage runs there.
stage "exec" "noop" {
  executor = "podman"
  image    = "localhost/none:1"
  command  = ["true"]
}
`, svc.URI))
	code, stdout, stderr := cli(t, "doctor", "--store", t.TempDir(), recipe)
	if code != exitOK {
		t.Fatalf("doctor: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		`(?m)^ok +podman +podman 4\.\S+ at ` + regexp.QuoteMeta(svc.URI) + `$`,
		`(?m)^ok +executor second +podman 4\.\S+ at ` + regexp.QuoteMeta(svc.URI) + `$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("doctor's output does not match %s:\n%s", want, stdout)
		}
	}
}
