package kickstart

import (
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Kickstart is a parsed kickstart: what each line of each file was (the
// syntax, with source positions, for tools that check kickstarts) and the
// state pykickstart's handler ends up in (for rendering).
type Kickstart struct {
	Version Version
	// Files are the files read, the top-level one first, then each
	// included file in the order it was first read.
	Files []*File
	// Commands are the command lines, in the order they were handled,
	// across all files: removed, deprecated and unknown ones too.
	Commands []*Command
	// Sections are the sections (%pre, %post, %packages, %addon, ...) in
	// the order their headers appear.
	Sections []*Section
	// Includes are the %include lines that were followed.
	Includes []*Include
	// Ksappends are the %ksappend lines: dropped in command state, kept as
	// text in scripts (they are listed there too), expanded when
	// Options.KsAppend is set.
	Ksappends []*Ksappend
	// Platform is the value of the last "#platform=" comment.
	Platform string

	h *handler
}

// File is one kickstart file as read.
type File struct {
	// Path is where the file was found; diagnostics use it as their
	// Filename.
	Path string
	Src  []byte
	// IncludedFrom is the %include that read it, nil for the top-level
	// file and for %ksappend fragments.
	IncludedFrom *Include

	lines [][2]int
}

// Word is one word of a line, as shlex split it: its value (quotes
// removed) and where it was.
type Word struct {
	Value string
	Range hcl.Range
}

// CommandStatus says what pykickstart does with a command.
type CommandStatus int

const (
	// StatusNormal commands are handled.
	StatusNormal CommandStatus = iota
	// StatusDeprecated commands are accepted and ignored (with a warning
	// pykickstart hides).
	StatusDeprecated
	// StatusRemoved commands are errors.
	StatusRemoved
	// StatusUnknown is a name no handler knows.
	StatusUnknown
)

func (s CommandStatus) String() string {
	return [...]string{"normal", "deprecated", "removed", "unknown"}[s]
}

// Command is one command line.
type Command struct {
	// Name is the command as written (part, partition, ...).
	Name Word
	// Args are the words after the name, as written.
	Args []Word
	// Line is the text of the line, without its line break.
	Line string
	// Range covers the line.
	Range hcl.Range
	// Class is the pykickstart class that handles the command in this
	// version (F39_Bootloader), "" for an unknown command.
	Class  string
	Status CommandStatus
	// Options are the options the option parser matched, in order.
	Options []Option
	// Positionals are the arguments that are not options or their values.
	Positionals []Word
}

// Option is one option as written and as matched.
type Option struct {
	// Written is the option as it appears, before any "=value"
	// (an abbreviation like --enable is matched to --enabled).
	Written string
	// Flag is the option it matched.
	Flag string
	// Dest is the attribute it sets.
	Dest string
	// Value is its value, when it takes one.
	Value *Word
	// Deprecated options are accepted and ignored or renamed.
	Deprecated bool
	Range      hcl.Range
}

// Section is one section: a header line, body lines and usually %end.
type Section struct {
	// Name is the section's tag: %pre, %pre-install, %post, %onerror,
	// %traceback, %packages, %certificate, %addon or %anaconda.
	Name string
	// Header is the header line, as a command (Name is the tag).
	Header *Command
	// Body are the lines handed to the section, in order; for %packages
	// these are the lines that are not blank or comments. Lines from an
	// %include inside the section are included, with their own ranges.
	Body []BodyLine
	// End is the range of the %end line, nil if the section was not
	// closed.
	End *hcl.Range
	// Dropped is set for a script pykickstart drops because its body is
	// empty or whitespace only.
	Dropped bool
}

// BodyLine is one line of a section body.
type BodyLine struct {
	// Text is the line with its line break, exactly as read.
	Text  string
	Range hcl.Range
}

// Include is one %include line.
type Include struct {
	// Target is the path as written.
	Target Word
	// Path is where the file was found, "" if it was not.
	Path string
	// File is the file read, nil if it could not be read.
	File *File
	// Range covers the %include line.
	Range hcl.Range
	// Section is the section the %include is in, nil in command state.
	Section *Section

	// from is the including file and [off, end) the line, with its break.
	from     *File
	off, end int
}

// Ksappend is one %ksappend line.
type Ksappend struct {
	Target Word
	Range  hcl.Range
	// Expanded is set when the line was replaced by its file's content.
	Expanded bool
	// Path is the file it was expanded from.
	Path string
	// Section is the section the line is in (it is then body text).
	Section *Section

	// from is the file holding an expanded line, [off, end) the line.
	from     *File
	off, end int
	frag     *File
}

// pos returns the position of byte offset off in the file.
func (f *File) pos(off int) hcl.Pos {
	if f.lines == nil {
		f.lines = splitLines(string(f.Src))
	}
	// Binary search for the line holding off.
	lo, hi := 0, len(f.lines)
	for lo < hi {
		m := (lo + hi) / 2
		if f.lines[m][1] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo >= len(f.lines) {
		if len(f.lines) == 0 {
			return hcl.Pos{Line: 1, Column: 1 + utf8.RuneCount(f.Src[:min(off, len(f.Src))]), Byte: off}
		}
		lo = len(f.lines) - 1
	}
	start := f.lines[lo][0]
	end := min(max(off, start), len(f.Src))
	return hcl.Pos{Line: lo + 1, Column: 1 + utf8.RuneCount(f.Src[start:end]), Byte: off}
}

// rng returns the range of bytes [start, end) of the file.
func (f *File) rng(start, end int) hcl.Range {
	// A line glued from a %ksappend fragment and the next line can run
	// past the fragment's end: keep ranges inside the file.
	start = min(max(start, 0), len(f.Src))
	end = min(max(end, start), len(f.Src))
	return hcl.Range{Filename: f.Path, Start: f.pos(start), End: f.pos(end)}
}

// trimBreak removes a line's line break.
func trimBreak(s string) string {
	for i := 0; i < len(s); i++ {
		if n := lineBreakLen(s, i); n > 0 && i+n == len(s) {
			return s[:i]
		}
	}
	return s
}

// Source returns the command line's text.
func (c *Command) String() string { return strings.TrimRight(c.Line, "\n") }
