package legacyini_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/imgpipe/imgpipe/engine/legacyini"
)

// FuzzConvert: any input reads without panicking; when it reads without
// errors, the HCL parses, and every diagnostic points into the input.
func FuzzConvert(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*.ini")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(base + "repo = a,\n  b%%\n\n  c\n[ova-options]\nx = %(name)s\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, diags := legacyini.Convert("f.ini", []legacyini.Source{{Filename: "f.ini", Bytes: src}})
		for _, d := range diags {
			if d.Subject == nil || d.Subject.Filename != "f.ini" || d.Subject.End.Byte > len(src) || d.Subject.Start.Byte > d.Subject.End.Byte {
				t.Fatalf("%q: bad subject %v", d.Summary, d.Subject)
			}
		}
		if diags.HasErrors() {
			return
		}
		if _, d := hclsyntax.ParseConfig(res.HCL, "f.hcl", hcl.InitialPos); d.HasErrors() {
			t.Fatalf("generated HCL does not parse: %s\n%s", d, res.HCL)
		}
	})
}
