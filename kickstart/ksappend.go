package kickstart

import (
	"fmt"
	"strings"
)

// preprocess expands the top-level file's %ksappend lines as pykickstart's
// preprocessKickstart (what Anaconda and ksvalidator run) does: every line
// whose stripped text starts with "%ksappend", in any state, is replaced by
// the raw content of the file named by its second single-space-separated
// word, with no newline added and without expanding %ksappend lines inside
// that content. It returns the resulting lines, each mapped back to the file
// and offset it came from.
func (p *parser) preprocess(f *File) ([]srcLine, error) {
	type seg struct {
		start int
		file  *File
		off   int
	}
	var b strings.Builder
	var segs []seg
	s := string(f.Src)
	for _, sp := range splitLines(s) {
		line := s[sp[0]:sp[1]]
		ll := pyStrip(line)
		if !strings.HasPrefix(ll, "%ksappend") {
			segs = append(segs, seg{start: b.Len(), file: f, off: sp[0]})
			b.WriteString(line)
			continue
		}
		r := f.rng(sp[0], sp[0]+len(trimBreak(line)))
		parts := strings.Split(ll, " ")
		ka := &Ksappend{Range: r}
		p.ks.Ksappends = append(p.ks.Ksappends, ka)
		if len(parts) < 2 {
			p.errorAt(r, "Illegal %ksappend", fmt.Sprintf("Illegal url for %%ksappend: %s. The path must follow %%ksappend after exactly one space.", ll))
			return nil, errAbort
		}
		name := parts[1]
		ka.Target = Word{Value: name, Range: r}
		if p.opts.Resolver == nil {
			p.errorAt(r, "Cannot read %ksappend file", "This kickstart is parsed without access to other files.")
			return nil, errAbort
		}
		path, data, err := p.opts.Resolver.Open(name, "")
		if err != nil {
			detail := fmt.Sprintf("Unable to open %%ksappend file %q: %v.", name, err)
			if name == "" {
				detail += " (Two spaces after %ksappend make the path empty: the preprocessor splits on single spaces.)"
			}
			p.errorAt(r, "Cannot read %ksappend file", detail)
			return nil, errAbort
		}
		frag := &File{Path: path, Src: data}
		p.ks.Files = append(p.ks.Files, frag)
		if !p.checkText(frag) {
			return nil, errAbort
		}
		ka.Expanded, ka.Path = true, path
		ka.from, ka.off, ka.end, ka.frag = f, sp[0], sp[1], frag
		segs = append(segs, seg{start: b.Len(), file: frag, off: 0})
		b.Write(data)
	}
	text := b.String()
	var out []srcLine
	k := 0
	for _, sp := range splitLines(text) {
		for k+1 < len(segs) && segs[k+1].start <= sp[0] {
			k++
		}
		sg := segs[k]
		out = append(out, srcLine{text: text[sp[0]:sp[1]], file: sg.file, off: sg.off + sp[0] - sg.start})
	}
	out = append(out, srcLine{file: f, off: len(f.Src), eof: true})
	return out, nil
}
