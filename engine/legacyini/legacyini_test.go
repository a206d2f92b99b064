package legacyini_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/diagtest"
	"github.com/imgpipe/imgpipe/stages"
)

// The INIs in testdata/errors (a file each, or a directory of *.conf files,
// read as Koji reads a directory) hold mistakes and quirks, and comments
// naming the diagnostics each line must get, as internal/diagtest reads
// them. ConfigParser has whole-line comments only (a # after a value is part
// of the value), so they stand above the line they speak of:
//
//	# ERROR: Invalid % in value
//	install_tree = https://example.org/Fedora%20Cloud/$arch/os/
//
// Every diagnostic must also name a line whose byte offset agrees. An INI is
// planned, as imgpipe validate does, only when it reads without errors, so a
// file keeps to one phase.

// load reads an INI as `imgpipe validate` does: convert, parse, plan.
func load(t *testing.T, path string) (*legacyini.Result, hcl.Diagnostics, *engine.Plan) {
	t.Helper()
	res, diags := legacyini.Load(path)
	if diags.HasErrors() {
		return res, diags, nil
	}
	planner := stages.Planner()
	r, d := res.Recipe(recipe.WithPresets(planner.PresetTypes()...))
	diags = append(diags, d...)
	if d.HasErrors() {
		return res, diags, nil
	}
	plan, _, d := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	return res, append(diags, res.Map(d)...), plan
}

func errorCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) == ".ini" {
			cases = append(cases, filepath.Join("testdata", "errors", e.Name()))
		}
	}
	return cases
}

func TestErrorDiagnostics(t *testing.T) {
	cases := errorCases(t)
	distinct := map[string]bool{}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			srcs, diags := legacyini.ReadSources(path)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			files := map[string][]byte{}
			for _, s := range srcs {
				files[s.Filename] = s.Bytes
			}
			_, diags, _ = load(t, path)
			if len(diags) == 0 {
				t.Fatal("no diagnostics: every case names the diagnostics it expects")
			}
			diagtest.CheckFiles(t, files, diags)
			for _, d := range diags {
				if d.Subject == nil {
					continue // CheckFiles reported it
				}
				src, ok := files[d.Subject.Filename]
				if !ok {
					continue // CheckFiles reported it
				}
				checkPos(t, src, d)
				if d.Severity == hcl.DiagError {
					distinct[d.Summary] = true
				}
			}
		})
	}
	if len(distinct) < 20 {
		t.Errorf("testdata/errors holds %d distinct errors; want at least 20", len(distinct))
	}
}

// checkPos checks that a subject's line, column and byte offset agree.
func checkPos(t *testing.T, src []byte, d *hcl.Diagnostic) {
	t.Helper()
	for _, p := range []hcl.Pos{d.Subject.Start, d.Subject.End} {
		if p.Byte > len(src) {
			t.Errorf("%q: byte %d is past the end of %s", d.Summary, p.Byte, d.Subject.Filename)
			return
		}
		line := bytes.Count(src[:p.Byte], []byte("\n")) + 1
		start := bytes.LastIndexByte(src[:p.Byte], '\n') + 1
		col := len([]rune(string(src[start:p.Byte]))) + 1
		if line != p.Line || col != p.Column {
			t.Errorf("%q: position %d:%d disagrees with byte %d (%d:%d)", d.Summary, p.Line, p.Column, p.Byte, line, col)
		}
	}
}
