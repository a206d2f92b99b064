package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/stagetest"
)

// damageRecipe: disk makes a file, use reads it.
const damageRecipe = `
build {
  name    = "damage"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "disk" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/disk\"; printf 'the disk image\\n' >\"$IMGPIPE_OUT/disk\""]
  outputs = ["disk"]
}
stage "exec" "use" {
  env     = { M = "@M@" }
  command = ["sh", "-euc", "echo >>\"$M/use\"; cat \"$1\" >\"$IMGPIPE_OUT/copy\"", "sh", stage.disk.disk]
  outputs = ["copy"]
}
`

// A store object whose file was written to after it was made (a bit flipped
// with its mtime put back, or the file truncated) is not reused: plan no
// longer says cached, and the run says which file was damaged and builds
// the stage again. An object whose file was only touched or chmodded is
// still reused, and its new fingerprint recorded.
func TestRunRebuildsDamagedObject(t *testing.T) {
	e := newEnv(t)
	res := e.run(damageRecipe, engine.RunOptions{})
	if res.err != nil {
		t.Fatalf("first run: %v", res.err)
	}
	node := res.plan.Instances["disk"]["x86_64"]
	path := filepath.Join(e.store.ObjectDir(node.ID), "disk")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o222 != 0 {
		t.Errorf("an object's file has mode %v, want it read-only", info.Mode().Perm())
	}

	for i, tc := range []struct {
		name, warning string
		damage        func()
	}{
		{"bit flip", "disk: has sha256 ", func() {
			stagetest.FlipBit(t, path, 4)
		}},
		{"truncation", "disk: is 3 bytes, recorded 15", func() {
			os.Chmod(path, 0o644)
			if err := os.Truncate(path, 3); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		tc.damage()
		statuses, _, _ := e.plan(damageRecipe).Statuses(e.store)
		for n, st := range statuses {
			if n.Name == "disk" && st != engine.StatusRun {
				t.Errorf("%s: plan says disk would be %s, want %s", tc.name, st, engine.StatusRun)
			}
		}
		res := e.run(damageRecipe, engine.RunOptions{})
		if res.err != nil {
			t.Fatalf("%s: rerun: %v", tc.name, res.err)
		}
		res.wantStatus(t, "x86_64", map[string]string{"disk": "done", "use": "cached"})
		e.wantCounts(map[string]int{"disk": 2 + i, "use": 1})
		if got := e.output(node.ID, "disk"); got != "the disk image\n" {
			t.Errorf("%s: the rebuilt object holds %q", tc.name, got)
		}
		if w := stageLog(res, "disk", "warning: object "); !strings.Contains(w, tc.warning) || !strings.Contains(w, node.ID[:12]) {
			t.Errorf("%s: warning %q, want one naming object %.12s and %q", tc.name, w, node.ID, tc.warning)
		}
	}

	// Touched and chmodded, not changed: reused, and the new fingerprint
	// is recorded.
	if err := os.Chtimes(path, info.ModTime(), info.ModTime().Add(-3600e9)); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	res = e.run(damageRecipe, engine.RunOptions{})
	if res.err != nil || res.sum.Cached != 2 {
		t.Fatalf("after touch: cached %d, err %v; want both cached", res.sum.Cached, res.err)
	}
	if w := stageLog(res, "disk", "warning"); w != "" {
		t.Errorf("after touch: %q", w)
	}
	rec, ok, err := e.store.Lookup(node.ID)
	now, _ := os.Stat(path)
	if err != nil || !ok || rec.Fingerprints["disk"] != store.FingerprintOf(now) {
		t.Errorf("after touch: recorded fingerprint %+v, file's %+v", rec.Fingerprints["disk"], store.FingerprintOf(now))
	}
}

// stageLog returns the first log line of stage name that contains want.
func stageLog(res *result, name, want string) string {
	for _, ev := range res.events {
		if ev.Type == events.StageLog && ev.Stage == name && strings.Contains(ev.Line, want) {
			return ev.Line
		}
	}
	return ""
}
