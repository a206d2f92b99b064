package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// writeDiags prints what hcl's writer prints, for lines of ordinary length.
func TestWriteDiagsLikeHCL(t *testing.T) {
	src := []byte("build {\n  name = \"x\"\n}\n\nstage \"exec\" \"a\" {\n  command = [\"true\",\n    nope]\n}\n")
	f, diags := hclsyntax.ParseConfig(src, "r.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files := map[string]*hcl.File{"r.hcl": f}
	rng := func(from, to string) hcl.Range {
		i, j := bytes.Index(src, []byte(from)), bytes.Index(src, []byte(to))+len(to)
		r := hcl.Range{Filename: "r.hcl", Start: hcl.Pos{Byte: i}, End: hcl.Pos{Byte: j}}
		r.Start.Line, r.End.Line = 1+bytes.Count(src[:i], []byte("\n")), 1+bytes.Count(src[:j], []byte("\n"))
		r.Start.Column = i - bytes.LastIndexByte(src[:i], '\n')
		r.End.Column = j - bytes.LastIndexByte(src[:j], '\n')
		return r
	}
	name, nope, cmd := rng("name", "\"x\""), rng("nope", "nope"), rng("command", "nope]")
	diags = hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "One line", Detail: "Detail.", Subject: &name},
		{Severity: hcl.DiagWarning, Summary: "In a block", Detail: "Detail.", Subject: &nope, Context: &cmd},
		{Severity: hcl.DiagError, Summary: "Empty range", Subject: &hcl.Range{Filename: "r.hcl", Start: name.Start, End: name.Start}},
		{Severity: hcl.DiagError, Summary: "No file", Subject: &hcl.Range{Filename: "other.hcl", Start: hcl.InitialPos, End: hcl.InitialPos}},
		{Severity: hcl.DiagError, Summary: "No subject", Detail: "Detail."},
	}
	var want, got strings.Builder
	hcl.NewDiagnosticTextWriter(&want, files, 100, false).WriteDiagnostics(diags)
	writeDiags(&got, files, diags)
	if !strings.Contains(want.String(), `line 7, in stage "exec" "a":`) {
		t.Fatalf("hcl names no block; the test checks nothing of Nav:\n%s", want.String())
	}
	if got.String() != want.String() {
		t.Errorf("got:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

// Beyond maxSameDiags diagnostics of one summary, the rest are counted.
func TestWriteDiagsCountsRepeats(t *testing.T) {
	var diags hcl.Diagnostics
	for i := range maxSameDiags + 5 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown key", Detail: fmt.Sprint(i)})
	}
	diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Other"})
	var out strings.Builder
	writeDiags(&out, nil, diags)
	if n := strings.Count(out.String(), "Error: Unknown key"); n != maxSameDiags {
		t.Errorf("%d printed, want %d", n, maxSameDiags)
	}
	if !strings.Contains(out.String(), "Warning: Other") || !strings.Contains(out.String(), "… and 5 more errors \"Unknown key\"") {
		t.Errorf("output:\n%s", out.String())
	}
}
