package engine_test

import (
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// A -var value of a typed variable is parsed as HCL, so it is held to the
// nesting bound too: 100,000 brackets would overflow HCL's parser.
func TestDeepVarValueRefused(t *testing.T) {
	src := `variable "sizes" {
  type = list(any)
}
build {
  name    = "x"
  version = "1"
  arches  = ["x86_64"]
}
`
	planner := stages.Planner()
	r, diags := recipe.Parse([]byte(src), "deep-var.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	_, _, diags = planner.Prepare(t.Context(), r, engine.PrepareOptions{Vars: []string{"sizes=" + deep}, CheckOnly: true})
	var found bool
	for _, d := range diags {
		found = found || d.Summary == "Nesting too deep" && d.Subject != nil && d.Subject.Filename == "-var sizes"
	}
	if !found {
		t.Fatalf("diagnostics = %v, want Nesting too deep in -var sizes", diags)
	}
}
