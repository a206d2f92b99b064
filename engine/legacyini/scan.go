package legacyini

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// The scanner reads one INI file with the grammar of Python's
// configparser.ConfigParser as Koji constructs it (strict, no inline
// comments, `#` and `;` comment lines, `=` and `:` delimiters, indented
// continuation lines, empty lines kept inside values). It records where
// every section header, key and value is, which gopkg.in/ini.v1 does not,
// and reports what ConfigParser would refuse, line by line.

// iniFile is one scanned file.
type iniFile struct {
	name     string
	src      []byte
	sections []*rawSection // in file order; [DEFAULT] included
}

// rawSection is one section header and the keys under it in one file.
type rawSection struct {
	name   string
	file   *iniFile
	header hcl.Range // the header line's text, from "[" to its last "]"
	keys   []*rawKey
}

// rawKey is one `key = value` entry.
type rawKey struct {
	name     string // lowercased, as ConfigParser's optionxform does
	written  string // as written
	section  *rawSection
	keyRange hcl.Range
	// lines are the value's lines: the text after the delimiter, then each
	// continuation line, stripped. A blank continuation line is an empty
	// text with a zero-width range.
	lines []valueLine
}

type valueLine struct {
	text string
	rng  hcl.Range
}

// value is the raw value as ConfigParser joins it: lines joined with
// newlines, trailing whitespace removed.
func (k *rawKey) value() string {
	texts := make([]string, len(k.lines))
	for i, l := range k.lines {
		texts[i] = l.text
	}
	return strings.TrimRightFunc(strings.Join(texts, "\n"), unicode.IsSpace)
}

// valueRange covers the value from its first character to the end of its
// last non-empty line; an empty value is the zero-width range after the
// delimiter.
func (k *rawKey) valueRange() hcl.Range {
	first, last := k.lines[0].rng, k.lines[0].rng
	for _, l := range k.lines {
		if l.text != "" {
			last = l.rng
		}
	}
	if k.lines[0].text == "" {
		for _, l := range k.lines {
			if l.text != "" {
				first = l.rng
				break
			}
		}
	}
	return hcl.Range{Filename: first.Filename, Start: first.Start, End: last.End}
}

// multiline reports whether the value spans more than its first line.
func (k *rawKey) multiline() bool {
	n := 0
	for _, l := range k.lines {
		if l.text != "" {
			n++
		}
	}
	return n > 1 || (n == 1 && k.lines[0].text == "")
}

// lineRange is a range inside one line of a file.
func lineRange(file string, line, lineStart int, text string, from, to int) hcl.Range {
	return hcl.Range{
		Filename: file,
		Start:    hcl.Pos{Line: line, Column: utf8.RuneCountInString(text[:from]) + 1, Byte: lineStart + from},
		End:      hcl.Pos{Line: line, Column: utf8.RuneCountInString(text[:to]) + 1, Byte: lineStart + to},
	}
}

// trimmedSpan returns the offsets of s[from:to] without surrounding
// whitespace.
func trimmedSpan(s string, from, to int) (int, int) {
	for from < to {
		r, n := utf8.DecodeRuneInString(s[from:])
		if !unicode.IsSpace(r) {
			break
		}
		from += n
	}
	for to > from {
		r, n := utf8.DecodeLastRuneInString(s[:to])
		if !unicode.IsSpace(r) {
			break
		}
		to -= n
	}
	return from, to
}

// scan reads src as ConfigParser does.
func scan(name string, src []byte) (*iniFile, hcl.Diagnostics) {
	f := &iniFile{name: name, src: src}
	var diags hcl.Diagnostics
	var (
		cur         *rawSection
		key         *rawKey
		indentLevel int
		outside     bool // reported a line outside any section
	)
	seenSections := map[string]*rawSection{}
	seenKeys := map[string]*rawKey{} // section + "\x00" + key
	offset := 0
	if strings.HasPrefix(string(src), "\ufeff") {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Byte-order mark",
			Detail:   "The file starts with a UTF-8 byte-order mark. Koji reads it as UTF-8 without skipping the mark, so its ConfigParser sees no section header. Save the file without the mark.",
			Subject:  &hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.Pos{Line: 1, Column: 2, Byte: 3}},
		})
		offset = 3
	}
	for lineno := 1; offset < len(src); lineno++ {
		end := bytes.IndexByte(src[offset:], '\n') // not string(src[offset:]): a copy per line
		next := len(src)
		if end >= 0 {
			next = offset + end + 1
			end = offset + end
		} else {
			end = len(src)
		}
		text := string(src[offset:end])
		text = strings.TrimSuffix(text, "\r")
		lineStart := offset
		offset = next

		from, to := trimmedSpan(text, 0, len(text))
		stripped := text[from:to]
		comment := strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";")
		if stripped == "" || comment {
			// ConfigParser keeps a blank line inside a value (and drops it
			// again if nothing follows); comment lines vanish.
			if !comment && cur != nil && key != nil {
				r := lineRange(name, lineno, lineStart, text, from, from)
				key.lines = append(key.lines, valueLine{rng: r})
			}
			continue
		}
		indent := from
		if cur != nil && key != nil && indent > indentLevel {
			key.lines = append(key.lines, valueLine{text: stripped, rng: lineRange(name, lineno, lineStart, text, from, to)})
			continue
		}
		indentLevel = indent
		if strings.HasPrefix(stripped, "[") {
			if close := strings.LastIndexByte(stripped, ']'); close >= 2 {
				sname := stripped[1:close]
				sec := &rawSection{name: sname, file: f, header: lineRange(name, lineno, lineStart, text, from, from+close+1)}
				if prev, ok := seenSections[sname]; ok && sname != defaultSection {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Duplicate section",
						Detail:   fmt.Sprintf("[%s] is already opened at %s. Koji's ConfigParser refuses a section twice in one file (DuplicateSectionError); merge the two.", sname, rangeString(prev.header)),
						Subject:  sec.header.Ptr(),
					})
					sec = prev
				} else if !ok {
					seenSections[sname] = sec
					f.sections = append(f.sections, sec)
				} else {
					sec = prev
				}
				cur, key, outside = sec, nil, false
				continue
			}
			if !strings.ContainsAny(stripped, "=:") {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unclosed section header",
					Detail:   fmt.Sprintf("%q starts a section header but has no closing \"]\". Write it as [name].", stripped),
					Subject:  lineRange(name, lineno, lineStart, text, from, to).Ptr(),
				})
				key = nil
				continue
			}
		}
		if cur == nil {
			if !outside {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Line outside a section",
					Detail:   "Koji's ConfigParser needs a section header before the first key (MissingSectionHeaderError). Start the file with [image-build].",
					Subject:  lineRange(name, lineno, lineStart, text, from, to).Ptr(),
				})
				outside = true
			}
			continue
		}
		delim := strings.IndexAny(stripped, "=:")
		if delim < 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Not a key = value line",
				Detail:   fmt.Sprintf("%q has no \"=\" (or \":\"), so Koji's ConfigParser cannot read the file (ParsingError). Write key = value; a comment line starts with # or ;, and a continuation line is indented.", stripped),
				Subject:  lineRange(name, lineno, lineStart, text, from, to).Ptr(),
			})
			key = nil
			continue
		}
		kFrom, kTo := trimmedSpan(text, from, from+delim)
		if kFrom == kTo {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing key name",
				Detail:   fmt.Sprintf("%q has nothing before its %q, so Koji's ConfigParser cannot read the file (ParsingError).", stripped, stripped[delim:delim+1]),
				Subject:  lineRange(name, lineno, lineStart, text, from, from+delim+1).Ptr(),
			})
			key = nil
			continue
		}
		written := text[kFrom:kTo]
		k := &rawKey{
			name:     strings.ToLower(written),
			written:  written,
			section:  cur,
			keyRange: lineRange(name, lineno, lineStart, text, kFrom, kTo),
		}
		vFrom, vTo := trimmedSpan(text, from+delim+1, to)
		k.lines = []valueLine{{text: text[vFrom:vTo], rng: lineRange(name, lineno, lineStart, text, vFrom, vTo)}}
		id := cur.name + "\x00" + k.name
		if prev, ok := seenKeys[id]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate key",
				Detail:   fmt.Sprintf("%s is already set in [%s] at %s (keys are not case-sensitive). Koji's ConfigParser refuses a key twice in one section (DuplicateOptionError); keep one.", k.name, cur.name, rangeString(prev.keyRange)),
				Subject:  k.keyRange.Ptr(),
			})
			key = k // its continuation lines belong to it, not to the section
			continue
		}
		seenKeys[id] = k
		cur.keys = append(cur.keys, k)
		key = k
	}
	return f, diags
}

// rangeString is "file:line,col" for diagnostics' details.
func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}
