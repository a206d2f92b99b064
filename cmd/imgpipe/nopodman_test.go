//go:build !remote

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWithoutPodman: a build without the podman executor validates and
// plans a podman recipe, and refuses to run it with exit 2, saying how to
// build one that can.
func TestRunWithoutPodman(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podman.hcl")
	src := `build {
  name    = "p"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "in_container" {
  command  = ["true"]
  executor = "podman"
  image    = "localhost/builder:1"
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := cli("validate", path); code != exitOK {
		t.Errorf("validate: exit %d, want 0:\n%s", code, out)
	}
	if code, out := cli("plan", path); code != exitOK || !strings.Contains(out, "in_container") {
		t.Errorf("plan: exit %d, want 0 and the plan:\n%s", code, out)
	}
	code, out := cli("run", path)
	if code != exitInvalid || !strings.Contains(out, "built without the podman executor; build it with `go tool task build`") {
		t.Errorf("run: exit %d, want %d saying the build has no podman executor:\n%s", code, exitInvalid, out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), ".imgpipe", "objects")); err == nil {
		t.Errorf("run made a store although it could not run")
	}
}
