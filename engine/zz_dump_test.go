package engine_test

import (
	"os"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestZZDump(t *testing.T) {
	for _, path := range errorRecipes(t) {
		r, _, diags := load(t, path)
		w := hcl.NewDiagnosticTextWriter(os.Stdout, r.Files, 120, false)
		w.WriteDiagnostics(diags)
	}
}
