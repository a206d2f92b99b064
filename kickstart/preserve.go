package kickstart

import (
	"sort"
	"strings"
)

// Preserved returns the kickstart as the user wrote it, comments and all,
// with every %include replaced by the file it read (and, when %ksappend
// was expanded, every %ksappend by its file's raw content). It is meant
// for reading, and flattens to the same result as the original: inside a
// section the included file's leading blank and comment lines are left out
// (pykickstart skips them) and no markers are added; in command state the
// included text is framed by comment lines naming the file.
func (k *Kickstart) Preserved() string {
	if len(k.Files) == 0 {
		return ""
	}
	var b strings.Builder
	k.preserve(&b, k.Files[0], string(k.Files[0].Src))
	return b.String()
}

type splice struct {
	off, end int
	inc      *Include
	ka       *Ksappend
}

// preserve writes text, the content of f (possibly without its leading
// lines), with f's includes and expanded %ksappend lines spliced in.
func (k *Kickstart) preserve(b *strings.Builder, f *File, text string) {
	skipped := len(f.Src) - len(text)
	var sp []splice
	for _, inc := range k.Includes {
		if inc.from == f && inc.File != nil && inc.off >= skipped {
			sp = append(sp, splice{off: inc.off, end: inc.end, inc: inc})
		}
	}
	for _, ka := range k.Ksappends {
		if ka.Expanded && ka.from == f {
			sp = append(sp, splice{off: ka.off, end: ka.end, ka: ka})
		}
	}
	sort.Slice(sp, func(i, j int) bool { return sp[i].off < sp[j].off })
	src := string(f.Src)
	pos := skipped
	for _, s := range sp {
		b.WriteString(src[pos:s.off])
		pos = s.end
		if s.ka != nil {
			k.preserve(b, s.ka.frag, string(s.ka.frag.Src))
			continue
		}
		inc := s.inc
		body := string(inc.File.Src)
		if inc.Section != nil {
			// pykickstart hands a section only the lines after the
			// included file's leading blank and comment lines.
			cut := len(body)
			for _, l := range splitLines(body) {
				if !isBlankOrComment(body[l[0]:l[1]]) {
					cut = l[0]
					break
				}
			}
			body = body[cut:]
			k.preserve(b, inc.File, body)
			continue
		}
		b.WriteString("# ---- %include " + inc.Target.Value + " (" + inc.Path + ") ----\n")
		var sub strings.Builder
		k.preserve(&sub, inc.File, body)
		b.WriteString(sub.String())
		if sub.Len() > 0 && !strings.HasSuffix(sub.String(), "\n") {
			b.WriteString("\n")
		}
		b.WriteString("# ---- end of " + inc.Path + " ----\n")
	}
	b.WriteString(src[pos:])
}
