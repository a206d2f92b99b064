package recipe_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

// deep builds each construct that makes HCL's parser (or the evaluation of
// its tree) recurse once per repetition, n repetitions deep.
var deep = map[string]func(n int) string{
	"parentheses": func(n int) string { return "x = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) },
	"tuples":      func(n int) string { return "x = " + strings.Repeat("[", n) + strings.Repeat("]", n) },
	"objects":     func(n int) string { return "x = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) },
	"blocks":      func(n int) string { return strings.Repeat("b {\n", n) + strings.Repeat("}\n", n) },
	"calls":       func(n int) string { return "x = " + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n) },
	"strings":     func(n int) string { return "x = " + strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n) },
	"directives": func(n int) string {
		return "x = \"" + strings.Repeat("%{ if true }", n) + strings.Repeat("%{ endif }", n) + "\""
	},
	"conditionals": func(n int) string { return "x = " + strings.Repeat("a ? b : ", n) + "c" },
	"binary":       func(n int) string { return "x = 1" + strings.Repeat(" + 1", n) },
	"unary":        func(n int) string { return "x = " + strings.Repeat("!", n) + "true" },
	"index":        func(n int) string { return "x = a" + strings.Repeat("[b]", n) },
	"for": func(n int) string {
		return "x = " + strings.Repeat("[for a in ", n) + "[]" + strings.Repeat(" : a]", n)
	},
}

// TestCheckNestingRefusesDeepInput checks that every construct ten times
// deeper than the limit is refused, at the token that crossed the limit,
// before HCL's parser sees it. Parentheses go 100,000 deep: without the
// check the parser overflows the stack there and the test binary dies.
func TestCheckNestingRefusesDeepInput(t *testing.T) {
	for name, gen := range deep {
		t.Run(name, func(t *testing.T) {
			n := 10 * inputlimit.Depth
			if name == "parentheses" {
				n = 100_000
			}
			src := []byte(gen(n))
			_, diags := recipe.Parse(src, "deep.hcl")
			if len(diags) != 1 || diags[0].Summary != "Nesting too deep" {
				t.Fatalf("diagnostics = %v, want one Nesting too deep", diags)
			}
			if s := diags[0].Subject; s == nil || s.Filename != "deep.hcl" || s.Start.Byte >= len(gen(inputlimit.Depth+1)) {
				t.Errorf("subject %v, want the token that crossed the limit near the start", s)
			}
		})
	}
}

// TestCheckNestingAcceptsTheLimit parses each construct a third as deep as
// the limit (each level of some counts up to three), without an error from
// the check or a syntax error from HCL's parser.
func TestCheckNestingAcceptsTheLimit(t *testing.T) {
	for name, gen := range deep {
		t.Run(name, func(t *testing.T) {
			src := []byte(gen(inputlimit.Depth / 3))
			if diags := recipe.CheckNesting(src, "ok.hcl", hcl.InitialPos); diags.HasErrors() {
				t.Fatalf("depth %d refused: %v", inputlimit.Depth/3, diags)
			}
			_, diags := recipe.Parse(src, "ok.hcl") // HCL's parser takes it
			for _, d := range diags {
				if d.Summary == "Nesting too deep" || strings.HasPrefix(d.Summary, "Invalid") {
					t.Errorf("depth %d: %v", inputlimit.Depth/3, d)
				}
			}
		})
	}
}

// TestCheckNestingAcceptsRealRecipes checks every recipe in the repository.
func TestCheckNestingAcceptsRealRecipes(t *testing.T) {
	var n int
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".hcl") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if diags := recipe.CheckNesting(src, path, hcl.InitialPos); diags.HasErrors() {
			t.Errorf("%s: %v", path, diags)
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d recipes: %v", n, err)
	}
}

func TestLongHeredocRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("x = <<EOT\n")
	for range inputlimit.TemplateLines + 1 {
		b.WriteString("a line\n")
	}
	b.WriteString("EOT\n")
	_, diags := recipe.Parse([]byte(b.String()), "long.hcl")
	if len(diags) != 1 || diags[0].Summary != "Text too long" || diags[0].Subject.Start.Line != inputlimit.TemplateLines+2 {
		t.Fatalf("diagnostics = %v, want Text too long on line %d", diags, inputlimit.TemplateLines+2)
	}
}

func TestLoadFileRefusesLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.hcl")
	if err := os.WriteFile(path, []byte("# first line\n"+strings.Repeat("x", inputlimit.ConfigBytes)), 0o644); err != nil {
		t.Fatal(err)
	}
	r, diags := recipe.LoadFile(path)
	if len(diags) != 1 || diags[0].Summary != "Recipe too large" {
		t.Fatalf("diagnostics = %v, want Recipe too large", diags)
	}
	if s := diags[0].Subject; s == nil || s.Start.Line != 1 || s.End.Column != len("# first line")+1 {
		t.Errorf("subject %v, want the first line", s)
	}
	if r == nil || string(r.Files[path].Bytes) != "# first line" {
		t.Errorf("the first line is not kept for the snippet")
	}
}
