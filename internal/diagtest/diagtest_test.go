package diagtest

import (
	"fmt"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// recorder is a testing.TB that records failures instead of failing, so a
// test can assert that Check fails. Check calls only Helper and Errorf; any
// other method panics on the nil TB.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

const recipe = `build { # ERROR: Missing required argument # ERROR: Missing required argument
  arches = ["ppc64el"] # WARNING: Executor arch not built
}
stage "exec" "a" {
  command = [] #ERROR:   Empty command   
}
`

const ini = `[image-build]
# ERROR: Unknown image format
# WARNING: Whitespace around list item
format = qcow2,
  vmdk2
# ERROR: Invalid % in value
version = 41%
`

func diag(sev hcl.DiagnosticSeverity, file string, line int, summary string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: sev,
		Summary:  summary,
		Detail:   "Some detail.",
		Subject:  &hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: 3}, End: hcl.Pos{Line: line, Column: 9}},
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []expectation
	}{
		{"trailing", recipe, []expectation{
			{"f", 1, "ERROR", "Missing required argument"},
			{"f", 1, "ERROR", "Missing required argument"},
			{"f", 2, "WARNING", "Executor arch not built"},
			{"f", 5, "ERROR", "Empty command"},
		}},
		{"own line", ini, []expectation{
			{"f", 4, "ERROR", "Unknown image format"},
			{"f", 4, "WARNING", "Whitespace around list item"},
			{"f", 7, "ERROR", "Invalid % in value"},
		}},
		{"both", "# ERROR: A\nx = 1 # ERROR: B\n", []expectation{
			{"f", 2, "ERROR", "A"},
			{"f", 2, "ERROR", "B"},
		}},
		{"after a comment", "# No build block. # ERROR: Missing build block\r\nstage {}\r\n", []expectation{
			{"f", 1, "ERROR", "Missing build block"},
		}},
		{"none", "x = 1 # error: lower case is prose\n# An ERROR is not a marker.\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse("f", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(tc.want, got, gocmp.AllowUnexported(expectation{})); diff != "" {
				t.Errorf("expectations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		"x = 1\n# ERROR: Dangling\n":  "f:2: expectation on a line of its own at the end",
		"x = 1\n# ERROR: Dangling":    "f:2: expectation on a line of its own at the end",
		"x = 1 # ERROR:\n":            "f:1: expectation without a summary",
		"x = 1 # ERROR: A # WARNING:": "f:1: expectation without a summary",
	} {
		_, err := parse("f", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parse(%q) = %v, want %q", src, err, want)
		}
		r := &recorder{}
		Check(r, "f", []byte(src), nil)
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], want) {
			t.Errorf("Check(%q) reported %q, want %q", src, r.errors, want)
		}
	}
}

func recipeDiags() hcl.Diagnostics {
	return hcl.Diagnostics{
		diag(hcl.DiagError, "r.hcl", 5, "Empty command"),
		diag(hcl.DiagError, "r.hcl", 1, "Missing required argument"),
		diag(hcl.DiagWarning, "r.hcl", 2, "Executor arch not built"),
		diag(hcl.DiagError, "r.hcl", 1, "Missing required argument"),
	}
}

func TestCheckPasses(t *testing.T) {
	r := &recorder{}
	Check(r, "r.hcl", []byte(recipe), recipeDiags())
	if len(r.errors) > 0 {
		t.Errorf("Check failed on matching diagnostics:\n%s", strings.Join(r.errors, "\n"))
	}

	r = &recorder{}
	CheckFiles(r, map[string][]byte{"r.hcl": []byte(recipe), "b.ini": []byte(ini)}, append(recipeDiags(),
		diag(hcl.DiagError, "b.ini", 7, "Invalid % in value"),
		diag(hcl.DiagWarning, "b.ini", 4, "Whitespace around list item"),
		diag(hcl.DiagError, "b.ini", 4, "Unknown image format"),
	))
	if len(r.errors) > 0 {
		t.Errorf("CheckFiles failed on matching diagnostics:\n%s", strings.Join(r.errors, "\n"))
	}

	r = &recorder{}
	Check(r, "clean.hcl", []byte("x = 1\n"), nil)
	if len(r.errors) > 0 {
		t.Errorf("Check failed on a clean file without expectations:\n%s", strings.Join(r.errors, "\n"))
	}
}

func TestCheckFails(t *testing.T) {
	all := recipeDiags()
	noSubject := diag(hcl.DiagError, "", 0, "Lost")
	noSubject.Subject = nil
	for _, tc := range []struct {
		name  string
		diags hcl.Diagnostics
		want  []string // lines of the one failure, after its first
	}{
		{"missing", all[1:], []string{
			"unmet expectations:",
			"  r.hcl:5: ERROR: Empty command",
		}},
		{"one of two alike missing", all[:3], []string{
			"unmet expectations:",
			"  r.hcl:1: ERROR: Missing required argument",
		}},
		{"extra", append(all[:4:4], diag(hcl.DiagError, "r.hcl", 3, "Unclosed block")), []string{
			"unexpected diagnostics:",
			"  r.hcl:3: ERROR: Unclosed block",
			"      Some detail.",
		}},
		{"wrong line", append(all[1:4:4], diag(hcl.DiagError, "r.hcl", 4, "Empty command")), []string{
			"unexpected diagnostics:",
			"  r.hcl:4: ERROR: Empty command",
			"      Some detail.",
			"unmet expectations:",
			"  r.hcl:5: ERROR: Empty command",
		}},
		{"wrong severity", append(all[:2:2], diag(hcl.DiagError, "r.hcl", 2, "Executor arch not built"), all[3]), []string{
			"unexpected diagnostics:",
			"  r.hcl:2: ERROR: Executor arch not built",
			"      Some detail.",
			"unmet expectations:",
			"  r.hcl:2: WARNING: Executor arch not built",
		}},
		{"wrong file", append(all[1:4:4], diag(hcl.DiagError, "other.hcl", 5, "Empty command")), []string{
			"unexpected diagnostics:",
			"  other.hcl:5: ERROR: Empty command",
			"      Some detail.",
			"unmet expectations:",
			"  r.hcl:5: ERROR: Empty command",
		}},
		{"sorted by line", append(all[:4:4], diag(hcl.DiagError, "r.hcl", 10, "B"), diag(hcl.DiagError, "r.hcl", 9, "A")), []string{
			"unexpected diagnostics:",
			"  r.hcl:9: ERROR: A",
			"      Some detail.",
			"  r.hcl:10: ERROR: B",
			"      Some detail.",
		}},
		{"no subject", append(all[:4:4], noSubject), []string{
			"unexpected diagnostics:",
			"  (no subject): ERROR: Lost",
			"      Some detail.",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			Check(r, "r.hcl", []byte(recipe), tc.diags)
			if len(r.errors) != 1 {
				t.Fatalf("Check reported %d failures, want 1: %q", len(r.errors), r.errors)
			}
			lines := strings.Split(r.errors[0], "\n")
			if diff := gocmp.Diff(tc.want, lines[1:]); diff != "" {
				t.Errorf("failure (-want +got):\n%s\nwhole failure:\n%s", diff, r.errors[0])
			}
		})
	}
}
