package kickstart

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

// Options controls parsing.
type Options struct {
	// Version is the syntax version; zero means DEVEL.
	Version Version
	// Resolver finds the files %include (and, with KsAppend, %ksappend)
	// name. Nil refuses every include.
	Resolver Resolver
	// KsAppend expands the top-level file's %ksappend lines before parsing,
	// as Anaconda's preprocessor does. Without it they are dropped in
	// command state and kept as text in scripts, as ksflatten and Koji do.
	KsAppend bool
}

// Resolver finds the files a kickstart includes.
type Resolver interface {
	// Open finds the file that name, as written in an %include line,
	// refers to and reads it. dir is the directory of the including
	// file's Path, or "" for a %ksappend (resolved against the working
	// directory only, as Anaconda's preprocessor does). path is where the
	// file was found: it becomes the File's Path and the dir of the
	// includes inside it. A missing file is an error wrapping
	// fs.ErrNotExist.
	Open(name, dir string) (path string, data []byte, err error)
}

// A kickstart with everything it includes is at most
// inputlimit.KickstartBytes: includes may repeat a file (diamonds), so the
// total is bounded, not only each file.

// maxIncludes bounds the %include lines followed, repeats counted.
const maxIncludes = 1000

// maxIncludeDepth bounds include chains; pykickstart dies of Python's
// recursion limit well before a chain this long.
const maxIncludeDepth = 64

// errAbort stops the parse after a fatal error was reported.
var errAbort = errors.New("kickstart parse aborted")

// srcLine is one line of input: its text with its line break, the file it
// came from and where.
type srcLine struct {
	text string
	file *File
	off  int
	eof  bool
}

// lineIter is pykickstart's PutBackIterator over a file's lines, with the
// empty string it appends to mark the end.
type lineIter struct {
	lines []srcLine
	i     int
	put   *srcLine
}

func (it *lineIter) next() (srcLine, bool) {
	if it.put != nil {
		l := *it.put
		it.put = nil
		return l, true
	}
	if it.i >= len(it.lines) {
		return srcLine{}, false
	}
	it.i++
	return it.lines[it.i-1], true
}

func (it *lineIter) putBack(l srcLine) { it.put = &l }

// parser is pykickstart's KickstartParser state machine.
type parser struct {
	ks    *Kickstart
	h     *handler
	opts  Options
	diags hcl.Diagnostics

	// state is the section being read, "" in command state.
	state string
	depth int
	// dirs is the directory of the file being read at each depth.
	dirs map[int]string
	secs map[string]sectionHandler
	// cur is the section being read.
	cur *Section
	// sectionGen counts section headers, to tell whether an include
	// opened a section it did not close.
	sectionGen int
	stack      []*File
	// size is the bytes read so far, includes included.
	size int
}

// Parse parses a kickstart. filename names it in diagnostics and is the
// base for its includes. The diagnostics hold errors (then the result is
// incomplete and must not be rendered) and warnings, which are the
// findings pykickstart reports (or hides) without failing.
func Parse(filename string, src []byte, opts Options) (*Kickstart, hcl.Diagnostics) {
	if opts.Version == 0 {
		opts.Version = DEVEL
	}
	if pyHandlers[opts.Version] == nil {
		return &Kickstart{Version: opts.Version, Files: []*File{{Path: filename, Src: src}}, h: newHandler(DEVEL)}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unsupported kickstart version",
			Detail:   fmt.Sprintf("Version %v is not supported.", opts.Version),
		}}
	}
	p := &parser{opts: opts, dirs: map[int]string{}}
	p.ks = &Kickstart{Version: opts.Version}
	p.h = newHandler(opts.Version)
	p.ks.h = p.h
	p.secs = newSections(p)

	f := &File{Path: filename, Src: src}
	p.ks.Files = append(p.ks.Files, f)
	p.size = len(src)
	if err := p.readFile(f, nil); err != nil && err != errAbort {
		p.errorAt(f.rng(0, 0), "Cannot parse kickstart", err.Error())
	}
	p.ks.Platform = p.h.platform
	return p.ks, p.diags
}

// ParseFile reads the kickstart at path and parses it (see Parse).
func ParseFile(path string, opts Options) (*Kickstart, hcl.Diagnostics) {
	src, err := inputlimit.ReadFile(path, inputlimit.KickstartBytes)
	if err != nil {
		return &Kickstart{Version: opts.Version, h: newHandler(DEVEL)}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read kickstart",
			Detail:   err.Error(),
		}}
	}
	return Parse(path, src, opts)
}

// String renders the kickstart as pykickstart's str(handler) does: the form
// ksflatten prints and Koji hands to the installer.
func (k *Kickstart) String() string { return k.h.render() }

func (p *parser) errorAt(r hcl.Range, summary, detail string) {
	p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()})
}

func (p *parser) warnAt(r hcl.Range, summary, detail string) {
	p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: r.Ptr()})
}

// lineRange is the range of a line without its line break.
func lineRange(l srcLine) hcl.Range {
	return l.file.rng(l.off, l.off+len(trimBreak(l.text)))
}

// wordRange is the range of a shlex token of a line.
func wordRange(l srcLine, t token) hcl.Range { return l.file.rng(l.off+t.start, l.off+t.end) }

func words(l srcLine, ts []token) []Word {
	out := make([]Word, len(ts))
	for i, t := range ts {
		out[i] = Word{Value: t.val, Range: wordRange(l, t)}
	}
	return out
}

// checkText reports what Python would die of when decoding a file (invalid
// UTF-8) or would keep as text (a byte order mark).
func (p *parser) checkText(f *File) bool {
	if !utf8.Valid(f.Src) {
		off := 0
		for off < len(f.Src) {
			r, n := utf8.DecodeRune(f.Src[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		p.errorAt(f.rng(off, off+1), "Invalid UTF-8",
			fmt.Sprintf("%s is not valid UTF-8 (byte 0x%02x at offset %d). pykickstart reads kickstarts as strict UTF-8 and fails with a UnicodeDecodeError.", f.Path, f.Src[off], off))
		return false
	}
	if strings.HasPrefix(string(f.Src), "\ufeff") {
		p.warnAt(f.rng(0, 3), "Byte order mark",
			fmt.Sprintf("%s starts with a UTF-8 byte order mark. pykickstart does not strip it: it is part of the first line's first word.", f.Path))
	}
	return true
}

// fileLines splits a file into lines, with the end marker.
func fileLines(f *File) []srcLine {
	s := string(f.Src)
	spans := splitLines(s)
	f.lines = spans
	out := make([]srcLine, 0, len(spans)+1)
	for _, sp := range spans {
		out = append(out, srcLine{text: s[sp[0]:sp[1]], file: f, off: sp[0]})
	}
	out = append(out, srcLine{file: f, off: len(s), eof: true})
	return out
}

// readFile parses one file's text (readKickstartFromString).
func (p *parser) readFile(f *File, lines []srcLine) error {
	if !p.checkText(f) {
		return errAbort
	}
	if lines == nil {
		if p.depth == 0 && p.opts.KsAppend {
			var err error
			lines, err = p.preprocess(f)
			if err != nil {
				return err
			}
		} else {
			lines = fileLines(f)
		}
	}
	p.stack = append(p.stack, f)
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()
	return p.stateMachine(&lineIter{lines: lines})
}

// isBlankOrComment is _isBlankOrComment.
func isBlankOrComment(s string) bool {
	if s == "" || pyIsSpace(s) {
		return true
	}
	return strings.HasPrefix(pyLStrip(s), "#")
}

// stateMachine is _stateMachine: it reads one file's lines.
func (p *parser) stateMachine(it *lineIter) error {
	for {
		l, ok := it.next()
		if !ok || l.eof {
			return nil
		}
		if isBlankOrComment(l.text) {
			if p.state == "" && strings.HasPrefix(l.text, "#platform=") {
				p.h.platform = pyStrip(l.text[len("#platform="):])
			}
			continue
		}
		toks, serr := shlexSplit(l.text, true)
		if serr != nil {
			p.shlexError(l, serr)
			return errAbort
		}
		if len(toks) == 0 || toks[0].val == "" {
			p.errorAt(lineRange(l), "Empty command name",
				"The line's first word is empty (an empty quoted string); pykickstart fails on it with an IndexError.")
			return errAbort
		}
		if toks[0].val == "%include" {
			if err := p.include(l, toks); err != nil {
				return err
			}
			continue
		}
		switch {
		case p.state == "":
			switch {
			case toks[0].val == "%ksappend":
				p.ksappendLine(l, toks)
			case toks[0].val[0] == '%':
				if err := p.sectionHeader(l, toks, it); err != nil {
					return err
				}
			default:
				p.command(l, toks)
			}
		case p.depth > 0:
			it.putBack(l)
			if err := p.readSection(it); err != nil {
				return err
			}
		}
		// At depth 0 outside command state nothing happens: the rest of
		// the file is lost. That only follows an unterminated section in
		// an included file, which include reports as an error.
	}
}

func (p *parser) shlexError(l srcLine, e *shlexError) {
	what := "an unbalanced quote"
	if e.msg == "No escaped character" {
		what = "a backslash at the end of the line"
	}
	p.errorAt(l.file.rng(l.off+e.pos, l.off+len(trimBreak(l.text))), "Unbalanced quotes",
		fmt.Sprintf("This line has %s. pykickstart splits lines with shlex and fails with \"ValueError: %s\".", what, e.msg))
}

func (p *parser) ksappendLine(l srcLine, toks []token) {
	ka := &Ksappend{Range: lineRange(l), Section: p.cur}
	if len(toks) > 1 {
		ka.Target = Word{Value: toks[1].val, Range: wordRange(l, toks[1])}
	}
	p.ks.Ksappends = append(p.ks.Ksappends, ka)
	if p.state == "" {
		p.warnAt(ka.Range, "%ksappend is ignored",
			"ksflatten and Koji drop %ksappend lines; only Anaconda's preprocessor expands them (set ksappend = true to expand it here).")
	}
}

// sectionHeader handles a %section line in command state.
func (p *parser) sectionHeader(l srcLine, toks []token, it *lineIter) error {
	name := toks[0].val
	sh, ok := p.secs[name]
	if !ok {
		var known []string
		for _, n := range sectionNames {
			known = append(known, n)
		}
		p.errorAt(wordRange(l, toks[0]), "Unknown kickstart section",
			fmt.Sprintf("Unknown kickstart section: %s. The sections are %s.", name, strings.Join(known, ", ")))
		return errAbort
	}
	cmd := &Command{Name: Word{Value: name, Range: wordRange(l, toks[0])}, Args: words(l, toks[1:]), Line: trimBreak(l.text), Range: lineRange(l), Status: StatusNormal}
	sec := &Section{Name: name, Header: cmd}
	p.ks.Sections = append(p.ks.Sections, sec)
	p.sectionGen++
	p.state = name
	p.cur = sec
	if err := sh.header(p, sec, tokenValues(toks)); err != nil {
		p.commandError(cmd, err)
	}
	return p.readSection(it)
}

// readSection is _readSection: it feeds lines to the current section until
// %end, the end of the file, or (as an error) another section's header.
func (p *parser) readSection(it *lineIter) error {
	sh := p.secs[p.state]
	sec := p.cur
	for {
		l, ok := it.next()
		if !ok {
			return nil
		}
		if l.eof && p.depth == 0 && p.h.v < F8 {
			// Before F8 a section may end with the file.
			return p.finalize(sh, sec)
		}
		if l.eof && p.depth == 0 {
			p.errorAt(sec.Header.Range, "Section not closed",
				fmt.Sprintf("Section %s does not end with %%end: the file ends first.", sh.name()))
			return errAbort
		}
		if isBlankOrComment(l.text) && !sh.allLines() {
			continue
		}
		if strings.HasPrefix(pyLStrip(l.text), "%") {
			first := pyFields(l.text)[0]
			if _, isSec := p.secs[first]; !isSec && first != "%end" && first != "%include" {
				p.bodyLine(sh, sec, l)
				continue
			}
			toks, serr := shlexSplit(l.text, false)
			if serr != nil {
				p.shlexError(l, serr)
				return errAbort
			}
			switch {
			case len(toks) > 0 && toks[0].val == "%end":
				r := lineRange(l)
				sec.End = &r
				if err := p.finalize(sh, sec); err != nil {
					return err
				}
				return nil
			case len(toks) > 0 && toks[0].val == "%include":
				if err := p.include(l, toks); err != nil {
					return err
				}
			case len(toks) > 0 && toks[0].val == "%ksappend":
				// Unreachable, as in pykickstart: %ksappend is body text.
			case len(toks) > 0 && p.secs[toks[0].val] != nil && p.h.v < F8:
				// Before F8 the next section's header ends a section.
				it.putBack(l)
				return p.finalize(sh, sec)
			case len(toks) > 0 && p.secs[toks[0].val] != nil:
				p.errorAt(wordRange(l, toks[0]), "Section not closed",
					fmt.Sprintf("Section %s (line %d of %s) does not end with %%end before %s starts.", sh.name(), sec.Header.Range.Start.Line, sec.Header.Range.Filename, toks[0].val))
				return errAbort
			}
			continue
		}
		p.bodyLine(sh, sec, l)
	}
}

func (p *parser) bodyLine(sh sectionHandler, sec *Section, l srcLine) {
	if !l.eof {
		sec.Body = append(sec.Body, BodyLine{Text: l.text, Range: lineRange(l)})
		if strings.HasPrefix(pyStrip(l.text), "%ksappend") {
			toks, _ := shlexSplit(l.text, false)
			ka := &Ksappend{Range: lineRange(l), Section: sec}
			if len(toks) > 1 {
				ka.Target = Word{Value: toks[1].val, Range: wordRange(l, toks[1])}
			}
			p.ks.Ksappends = append(p.ks.Ksappends, ka)
		}
	}
	if err := sh.line(p, l.text); err != nil {
		p.commandError(&Command{Line: trimBreak(l.text), Range: lineRange(l)}, err)
	}
}

// finalize is _finalize: the section's %end was reached.
func (p *parser) finalize(sh sectionHandler, sec *Section) error {
	err := sh.finalize(p, sec)
	p.state = ""
	p.cur = nil
	if err != nil {
		p.errorAt(sec.Header.Range, "Invalid section", err.Error())
		return errAbort
	}
	return nil
}

// include handles an %include line (_handleInclude and readKickstart).
func (p *parser) include(l srcLine, toks []token) error {
	inc := &Include{Range: lineRange(l), Section: p.cur, from: l.file, off: l.off, end: l.off + len(l.text)}
	p.ks.Includes = append(p.ks.Includes, inc)
	if len(toks) < 2 || toks[1].val == "" {
		p.errorAt(inc.Range, "Missing include path",
			"%include needs the path of the file to include. pykickstart fails with \"There was a problem reading from line "+fmt.Sprint(lineRange(l).Start.Line)+" of the kickstart file\".")
		return errAbort
	}
	inc.Target = Word{Value: toks[1].val, Range: wordRange(l, toks[1])}
	if p.depth+1 > maxIncludeDepth {
		p.errorAt(inc.Target.Range, "Includes nested too deeply",
			fmt.Sprintf("%%include chains are limited to %d files.", maxIncludeDepth))
		return errAbort
	}
	if len(p.ks.Includes) > maxIncludes {
		p.errorAt(inc.Target.Range, "Too many includes",
			fmt.Sprintf("This kickstart includes more than %d files, counting each time a file is included again, the most imgpipe reads. Check for a file included many times.", maxIncludes))
		return errAbort
	}
	includer := l.file
	dir := dirOf(includer.Path)
	if p.opts.Resolver == nil {
		p.errorAt(inc.Target.Range, "Includes are not allowed", fmt.Sprintf("%s includes %s, but this kickstart is parsed without access to other files.", includer.Path, inc.Target.Value))
		return errAbort
	}
	path, data, err := p.opts.Resolver.Open(inc.Target.Value, dir)
	if err != nil {
		p.errorAt(inc.Target.Range, "Cannot read included file",
			fmt.Sprintf("%s line %d includes %q: %v.", includer.Path, inc.Range.Start.Line, inc.Target.Value, err))
		return errAbort
	}
	inc.Path = path
	p.size += len(data)
	if p.size > inputlimit.KickstartBytes {
		p.errorAt(inc.Target.Range, "Kickstart too large",
			fmt.Sprintf("With what it includes (%s last), this kickstart is larger than %s, the most imgpipe reads: real ones are a few KiB. Check for a file included many times.", path, inputlimit.Size(inputlimit.KickstartBytes)))
		return errAbort
	}
	for i, f := range p.stack {
		if samePath(f.Path, path) {
			chain := []string{}
			for _, g := range p.stack[i:] {
				chain = append(chain, g.Path)
			}
			chain = append(chain, path)
			p.errorAt(inc.Target.Range, "Include loop",
				fmt.Sprintf("%s includes itself: %s. pykickstart recurses until Python's recursion limit.", path, strings.Join(chain, " -> ")))
			return errAbort
		}
	}
	f := &File{Path: path, Src: data, IncludedFrom: inc}
	inc.File = f
	p.ks.Files = append(p.ks.Files, f)

	startState, startGen, startSec := p.state, p.sectionGen, p.cur
	p.depth++
	err = p.readFile(f, nil)
	p.depth--
	if err != nil {
		return err
	}
	if p.state != "" && (p.state != startState || p.sectionGen != startGen) {
		sec := p.cur
		p.errorAt(sec.Header.Range, "Section not closed",
			fmt.Sprintf("Section %s opened in %s is not closed with %%end before the end of that file. pykickstart would silently drop the rest of %s (from line %d on).",
				sec.Name, path, includer.Path, inc.Range.Start.Line+1))
		return errAbort
	}
	if startState != "" && p.state == "" && startSec != nil {
		// pykickstart's reader of the includer's section carries on with
		// the same section object but in command state: the lines up to
		// the includer's %end make a second script with default options.
		p.warnAt(inc.Range, "Section closed by an included file",
			fmt.Sprintf("%s ends the %s section that %s opened; the lines that follow up to %%end become a separate %s with default options.",
				path, startState, startSec.Header.Range.Filename, startState))
	}
	return nil
}

// commandError reports an error a command or section header raised.
func (p *parser) commandError(cmd *Command, err error) {
	var ke *ksError
	r := cmd.Range
	msg := err.Error()
	if errors.As(err, &ke) {
		if ke.arg >= 0 && ke.arg < len(cmd.Args) {
			r = cmd.Args[ke.arg].Range
		}
	}
	p.errorAt(r, "Invalid kickstart command", msg)
}

func dirOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	switch {
	case i < 0:
		return "."
	case i == 0:
		return "/"
	}
	return path[:i]
}

func samePath(a, b string) bool { return normpath(a) == normpath(b) }
