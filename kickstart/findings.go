package kickstart

import (
	"github.com/hashicorp/hcl/v2"
)

// Finding is one diagnostic in a machine-readable form: what lint output
// files hold.
type Finding struct {
	// Severity is "error" or "warning".
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	// File, Line and Column say where (1-based); File is empty for
	// findings about no place in particular.
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
}

// Findings converts diagnostics. rel, when not nil, rewrites file names
// (to make store paths relative to a tree, say).
func Findings(diags hcl.Diagnostics, rel func(string) string) []Finding {
	out := []Finding{}
	for _, d := range diags {
		f := Finding{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagError {
			f.Severity = "error"
		}
		if s := d.Subject; s != nil {
			f.File = s.Filename
			if rel != nil {
				f.File = rel(f.File)
			}
			f.Line, f.Column = s.Start.Line, s.Start.Column
			f.EndLine, f.EndColumn = s.End.Line, s.End.Column
		}
		out = append(out, f)
	}
	return out
}
