package docgen

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

const referencePath = "../../docs/reference.md"

// TestReferenceUpToDate regenerates docs/reference.md in memory and fails
// when the committed file differs: a Doc string, an attribute or a preset's
// expansion changed without regenerating it.
func TestReferenceUpToDate(t *testing.T) {
	got := Reference(stages.All(), stages.Presets())
	want, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("%v: generate it with `go tool task generate`", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/reference.md is stale: run `go tool task generate` and commit the result (-file +generated):\n%s",
			cmp.Diff(string(want), string(got)))
	}
}

func TestReferenceDeterministic(t *testing.T) {
	first := Reference(stages.All(), stages.Presets())
	for range 5 {
		if again := Reference(stages.All(), stages.Presets()); !bytes.Equal(first, again) {
			t.Fatalf("Reference differs between calls:\n%s", cmp.Diff(string(first), string(again)))
		}
	}
}

// TestEveryKindAndPreset checks that the reference has a section for each
// kind and preset, and that every preset expanded.
func TestEveryKindAndPreset(t *testing.T) {
	ref := string(Reference(stages.All(), stages.Presets()))
	for _, k := range stages.All() {
		if !strings.Contains(ref, "\n### "+k.Name+"\n") {
			t.Errorf("no section for kind %s", k.Name)
		}
		for _, a := range k.Attrs {
			if !strings.Contains(ref, "| `"+a.Name+"` |") {
				t.Errorf("kind %s: attribute %s is missing", k.Name, a.Name)
			}
		}
	}
	for _, p := range stages.Presets() {
		if !strings.Contains(ref, "\n### "+p.Name+"\n") {
			t.Errorf("no section for preset %s", p.Name)
		}
		if _, err := expand(p, ""); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
	}
	if strings.Contains(ref, "could not be generated") {
		t.Error("a preset's expansion could not be generated")
	}
	if strings.Contains(ref, "<*hclsyntax.") {
		t.Error("the expansion has an expression render does not print; teach render its type")
	}
}

// TestMetaArgumentsDescribed keeps metaArgumentDocs in step with
// recipe.MetaArguments.
func TestMetaArgumentsDescribed(t *testing.T) {
	for _, name := range recipe.MetaArguments {
		if _, ok := metaArgumentDocs[name]; !ok {
			t.Errorf("meta-argument %s is not described in metaArgumentDocs", name)
		}
	}
	for name := range metaArgumentDocs {
		if !slices.Contains(recipe.MetaArguments, name) {
			t.Errorf("metaArgumentDocs describes %s, which is not a meta-argument", name)
		}
	}
}

// TestDocumentedBlocksParse checks that the build block attributes and
// meta-arguments the reference describes are accepted.
func TestDocumentedBlocksParse(t *testing.T) {
	src := `
variable "release" {
  type        = string
  default     = null
  description = "the release"
}
locals { tree = "https://example.org/${arch}/os/" }
build {
  name     = "doc"
  version  = "1"
  release  = var.release
  arches   = ["x86_64", "aarch64"]
  can_fail = ["aarch64"]
  scratch  = true
}
stage "exec" "a" {
  command = ["true"]
  outputs = ["disk.raw"]
}
stage "exec" "b" {
  command    = ["cat", stage.a["disk.raw"], local.tree]
  executor   = "host"
  depends_on = [stage.a]
  timeout    = "90s"
}
`
	r, diags := recipe.Parse([]byte(src), filepath.Join(t.TempDir(), "doc.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, _, diags := stages.Planner().Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true}); diags.HasErrors() {
		t.Fatal(diags)
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"stage.<name>.disk":         "stage.&lt;name&gt;.disk",
		"`stage.<name>` a|b":        "`stage.<name>` a\\|b",
		"*.spec.tmpl":               "\\*.spec.tmpl",
		"`a|b`":                     "`a\\|b`",
		"plain text, $arch and 10%": "plain text, $arch and 10%",
	} {
		if got := md(in); got != want {
			t.Errorf("md(%q) = %q, want %q", in, got, want)
		}
	}
}
