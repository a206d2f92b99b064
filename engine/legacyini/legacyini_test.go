package legacyini_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// The INIs in testdata/errors (a file each, or a directory of *.conf files,
// read as Koji reads a directory) hold mistakes and quirks. ConfigParser
// has whole-line comments only (a # after a value is part of the value), so
// the diagnostic a line must get is written on a comment line above it:
//
//	# ERROR(next line): Invalid % in value
//	install_tree = https://example.org/Fedora%20Cloud/$arch/os/
//
// An expectation applies to the next line that is not itself an
// expectation, so several can stack above one line; WARNING(next line)
// expects a warning. Summaries are compared exactly, per file and line, and
// every diagnostic must name an INI file of the case and a line whose byte
// offset agrees. An INI is planned, as imgpipe validate does, only when it
// reads without errors, so a file keeps to one phase.

var expectation = regexp.MustCompile(`^\s*[#;]\s*(ERROR|WARNING)\(next line\):\s*(.+?)\s*$`)

// expectations reads the expected diagnostics of one INI file, keyed by
// "file:line".
func expectations(t *testing.T, path string, want map[string][]string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pending []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		if m := expectation.FindStringSubmatch(sc.Text()); m != nil {
			pending = append(pending, m[1]+": "+m[2])
			continue
		}
		if len(pending) > 0 {
			key := fmt.Sprintf("%s:%d", path, line)
			want[key] = append(want[key], pending...)
			pending = nil
		}
	}
	if len(pending) > 0 {
		t.Fatalf("%s: expectation at the end of the file, with no line after it", path)
	}
}

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
			want := map[string][]string{}
			files := map[string][]byte{}
			for _, s := range srcs {
				expectations(t, s.Filename, want)
				files[s.Filename] = s.Bytes
			}
			if len(want) == 0 {
				t.Fatal("no expectations: every case names the diagnostics it expects")
			}
			_, diags, _ = load(t, path)
			got := map[string][]string{}
			for _, d := range diags {
				sev := "ERROR"
				if d.Severity == hcl.DiagWarning {
					sev = "WARNING"
				}
				if d.Subject == nil {
					t.Errorf("%s %q has no subject", sev, d.Summary)
					continue
				}
				src, ok := files[d.Subject.Filename]
				if !ok {
					t.Errorf("%s %q points at %s, not at an INI file of the case", sev, d.Summary, d.Subject.Filename)
					continue
				}
				checkPos(t, src, d)
				key := fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line)
				got[key] = append(got[key], sev+": "+d.Summary)
				if sev == "ERROR" {
					distinct[d.Summary] = true
				}
			}
			for _, m := range []map[string][]string{want, got} {
				for k := range m {
					slices.Sort(m[k])
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, diags)
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
