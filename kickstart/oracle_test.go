//go:build oracle

package kickstart

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// TestOracleCases compares with outputs recorded from pykickstart itself:
// IMGPIPE_KS_ORACLE names a JSON-lines file of {"v": version, "in":
// kickstart, "out": str(handler) or "ERROR"}. Maintainers record such files
// with a checkout of pykickstart when its version changes and run it with
// `go test -tags oracle ./kickstart/`; it is not part of the normal suite.
func TestOracleCases(t *testing.T) {
	path := os.Getenv("IMGPIPE_KS_ORACLE")
	if path == "" {
		t.Fatal("IMGPIPE_KS_ORACLE is not set: name a recording of pykickstart's output")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n, bad := 0, 0
	for sc.Scan() {
		var c struct{ V, In, Out string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		v, err := ParseVersion(c.V)
		if err != nil {
			t.Fatal(err)
		}
		ks, diags := Parse("ks.cfg", []byte(c.In), Options{Version: v})
		got := "ERROR"
		if !diags.HasErrors() {
			got = ks.String()
		}
		if got != c.Out {
			bad++
			if bad <= 15 {
				detail := ""
				if diags.HasErrors() {
					detail = diags.Error()
				}
				t.Errorf("case %d (%s):\n%s\n--- pykickstart:\n%s\n--- got:\n%s\n%s", n, c.V, c.In, c.Out, got, detail)
			}
		}
	}
	t.Logf("%d cases, %d differ", n, bad)
}
