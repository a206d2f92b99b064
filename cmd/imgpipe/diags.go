package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// maxSameDiags is how many diagnostics with one summary are printed; the
// rest are counted. A file with thousands of the same mistake (unknown
// keys, say) gets a readable report, printed in linear time.
const maxSameDiags = 100

// snippetBytes bounds the source a snippet shows of one long line.
const snippetBytes = 240

// writeDiags writes diagnostics as hcl's text writer does, with two
// differences that keep it linear in the input: at most maxSameDiags
// diagnostics with the same severity and summary are printed, then a line
// counting the others; and each snippet is cut from a window of its file,
// since hcl's writer scans the whole file for every diagnostic.
func writeDiags(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) {
	type kind struct {
		sev     hcl.DiagnosticSeverity
		summary string
	}
	printed := map[kind]int{}
	var hidden []kind
	hiddenCount := map[kind]int{}
	for _, d := range diags {
		k := kind{d.Severity, d.Summary}
		if printed[k] >= maxSameDiags {
			if hiddenCount[k] == 0 {
				hidden = append(hidden, k)
			}
			hiddenCount[k]++
			continue
		}
		printed[k]++
		windowed, file, firstLine := snippetWindow(d, files)
		var buf bytes.Buffer
		hcl.NewDiagnosticTextWriter(&buf, file, 100, false).WriteDiagnostic(windowed)
		w.Write(renumberSnippet(buf.Bytes(), firstLine-1))
	}
	for _, k := range hidden {
		what := "errors"
		if k.sev == hcl.DiagWarning {
			what = "warnings"
		}
		fmt.Fprintf(w, "… and %d more %s %q (the first %d are shown).\n\n", hiddenCount[k], what, k.summary, maxSameDiags)
	}
}

// snippetWindow returns d with its ranges moved into a small file that
// holds only the lines its snippet shows, cut to snippetBytes around the
// subject when a line is long, and the line number the window starts at.
func snippetWindow(d *hcl.Diagnostic, files map[string]*hcl.File) (*hcl.Diagnostic, map[string]*hcl.File, int) {
	if d.Subject == nil {
		return d, nil, 1
	}
	f := files[d.Subject.Filename]
	if f == nil || f.Bytes == nil {
		return d, nil, 1
	}
	src := f.Bytes
	snip := *d.Subject
	if d.Context != nil && d.Context.Filename == snip.Filename {
		snip = hcl.RangeOver(snip, *d.Context)
	}
	clamp := func(b int) int { return max(0, min(b, len(src))) }
	from, to := clamp(snip.Start.Byte), clamp(snip.End.Byte)
	if to < from {
		to = from
	}
	lineStart := bytes.LastIndexByte(src[:from], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[to:], '\n'); i >= 0 {
		lineEnd = to + i
	}
	var pre, post []byte
	if lineEnd-lineStart > snippetBytes && bytes.IndexByte(src[lineStart:lineEnd], '\n') < 0 {
		// One long line: show the text around the subject's start.
		start := max(lineStart, from-snippetBytes/3)
		end := min(lineEnd, start+snippetBytes)
		if start > lineStart {
			pre = []byte("…")
		}
		if end < lineEnd {
			post = []byte("…")
		}
		lineStart, lineEnd = start, end
	}
	var buf bytes.Buffer
	buf.Write(pre)
	shift := buf.Len() - lineStart
	buf.Write(src[lineStart:lineEnd])
	buf.Write(post)
	buf.WriteByte('\n')
	move := func(r hcl.Range) *hcl.Range {
		r.Start.Byte = max(lineStart, min(r.Start.Byte, lineEnd)) + shift
		r.End.Byte = max(lineStart, min(r.End.Byte, lineEnd)) + shift
		return &r
	}
	out := *d
	out.Subject = move(*d.Subject)
	if d.Context != nil {
		out.Context = move(*d.Context)
	}
	window := &hcl.File{Bytes: buf.Bytes(), Nav: shiftedNav{nav: f.Nav, shift: shift}}
	return &out, map[string]*hcl.File{d.Subject.Filename: window}, snip.Start.Line
}

// renumberSnippet adds offset to the line numbers of the snippet in one
// diagnostic as hcl's writer wrote it: the lines "%4d: text" after the
// "  on FILE line N:" line, up to the empty line that ends them.
func renumberSnippet(text []byte, offset int) []byte {
	if offset == 0 {
		return text
	}
	at := bytes.Index(text, []byte("\n  on "))
	if at < 0 {
		return text
	}
	at += 1 + bytes.IndexByte(text[at+1:], '\n') + 1 // the first snippet line
	out := bytes.Clone(text[:at])
	for at < len(text) {
		end := len(text)
		if i := bytes.IndexByte(text[at:], '\n'); i >= 0 {
			end = at + i + 1
		}
		line := text[at:end]
		colon := bytes.Index(line, []byte(": "))
		n, err := strconv.Atoi(string(bytes.TrimLeft(line[:max(colon, 0)], " ")))
		if colon < 0 || err != nil {
			break
		}
		out = fmt.Appendf(out, "%4d", n+offset)
		out = append(out, line[colon:]...)
		at = end
	}
	return append(out, text[at:]...)
}

// shiftedNav answers hcl's "in block ..." question for a window of a file
// from the whole file's navigation.
type shiftedNav struct {
	nav   any
	shift int
}

func (n shiftedNav) ContextString(offset int) string {
	if cs, ok := n.nav.(interface{ ContextString(int) string }); ok {
		return cs.ContextString(offset - n.shift)
	}
	return ""
}
