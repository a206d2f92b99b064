package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/stages/flatten"
)

// validateDoc is `imgpipe validate --format json`: the shape of
// `terraform validate -json`, which editors and CI already read.
type validateDoc struct {
	FormatVersion string          `json:"format_version"`
	Valid         bool            `json:"valid"`
	ErrorCount    int             `json:"error_count"`
	WarningCount  int             `json:"warning_count"`
	Diagnostics   []diagnosticDoc `json:"diagnostics"`
}

type diagnosticDoc struct {
	Severity string    `json:"severity"` // error or warning
	Summary  string    `json:"summary"`
	Detail   string    `json:"detail,omitempty"`
	Range    *rangeDoc `json:"range,omitempty"`
}

type rangeDoc struct {
	Filename string `json:"filename"`
	Start    posDoc `json:"start"`
	End      posDoc `json:"end"`
}

type posDoc struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// validateJSON validates a recipe as validate does and prints every
// diagnostic as JSON on stdout; the exit status is validate's (2 when the
// recipe is invalid). An input that is no recipe at all is an error as
// usual.
func (a *app) validateJSON(ctx context.Context, path string, rf recipeFlags) error {
	plan, _, warnings, err := a.prepareQuiet(ctx, path, rf, forCheck)
	var diags hcl.Diagnostics
	if err != nil && !errors.As(err, &diags) {
		return err
	}
	diags = append(warnings, diags...)
	if plan != nil {
		lint, _ := flatten.LintLocal(plan)
		diags = append(diags, lint...)
	}
	diags = maskDiags(a.secrets, diags)
	doc := validateDoc{FormatVersion: "1.0", Diagnostics: []diagnosticDoc{}}
	for _, d := range diags {
		dd := diagnosticDoc{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagError {
			dd.Severity = "error"
			doc.ErrorCount++
		} else {
			doc.WarningCount++
		}
		if d.Subject != nil {
			r := d.Subject
			dd.Range = &rangeDoc{Filename: r.Filename,
				Start: posDoc{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:   posDoc{r.End.Line, r.End.Column, r.End.Byte}}
		}
		doc.Diagnostics = append(doc.Diagnostics, dd)
	}
	doc.Valid = doc.ErrorCount == 0
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if !doc.Valid {
		return &silentError{code: exitInvalid}
	}
	return nil
}
