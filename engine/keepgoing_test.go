package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
)

// With KeepGoing, a failed required arch does not cancel the other arch:
// it runs to the end, so one run shows both outcomes; the build still
// fails and settles no release, so nothing that uses one runs.
func TestRunKeepGoing(t *testing.T) {
	e := newEnv(t)
	// x86_64 fails at once; aarch64 finishes only after x86_64 failed
	// (it waits for the marker the failure leaves), so without KeepGoing
	// it would be cancelled.
	res := e.run(`
build {
  name    = "keepgoing"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}
stage "exec" "s" {
  env     = { M = "@M@", ARCH = arch }
  command = ["sh", "-euc", <<-EOT
    if [ "$ARCH" = x86_64 ]; then
      touch "$M/x86_64-failed"
      echo "failing on purpose" >&2
      exit 1
    fi
    i=0
    while [ ! -e "$M/x86_64-failed" ]; do
      i=$((i+1)); if [ $i -gt 600 ]; then exit 4; fi
      sleep 0.05
    done
    echo ok >"$IMGPIPE_OUT/out"
    EOT
  ]
  outputs = ["out"]
}
stage "exec" "after" {
  env     = { M = "@M@", ARCH = arch }
  command = ["sh", "-euc", "echo >>\"$M/after-$ARCH\"", "sh", stage.s.out]
}
stage "convert" "images" {
  disk       = stage.s.out
  formats    = ["qcow2"]
  depends_on = [stage.after]
}
`, engine.RunOptions{Jobs: 2, KeepGoing: true})
	var bf *engine.BuildFailedError
	if !errors.As(res.err, &bf) || !slices.Equal(bf.Failed, []string{"x86_64"}) {
		t.Fatalf("err %v, want a BuildFailedError for x86_64", res.err)
	}
	res.wantStatus(t, "x86_64", map[string]string{"s": "failed", "after": "skipped", "images": "skipped"})
	res.wantStatus(t, "aarch64", map[string]string{"s": "done", "after": "done", "images": "skipped"})
	if msg := res.errorOf(t, "images", "aarch64"); !strings.Contains(msg, "the build failed for required arch x86_64") {
		t.Errorf("aarch64's convert was skipped with %q, want the failed build named", msg)
	}
	e.wantCounts(map[string]int{"after-aarch64": 1, "after-x86_64": 0})
	if _, err := os.Stat(filepath.Join(e.store.Dir, "builds")); err == nil {
		t.Errorf("a failed build reserved or published a release")
	}
}
