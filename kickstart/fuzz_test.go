package kickstart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// fuzzFS holds files the fuzzed kickstart may include.
var fuzzFS = fstest.MapFS{
	"inc.ks":      {Data: []byte("lang en_US\n%include sub/b.ks\n")},
	"sub/b.ks":    {Data: []byte("# b\n\necho body\n%end\n")},
	"open.ks":     {Data: []byte("%post\necho x\n")},
	"loop.ks":     {Data: []byte("%include loop.ks\n")},
	"frag.ks":     {Data: []byte("keyboard us")},
	"bad.ks":      {Data: []byte("lang \xff\n")},
	"pkgs.ks":     {Data: []byte("\n# c\nvim\n-@g\n")},
	"sub/dir/x":   {Data: []byte("")},
	"quote.ks":    {Data: []byte("'\n")},
	"empty.ks":    {Data: nil},
	"crlf.ks":     {Data: []byte("skipx\r\n%pre\r\necho\r\n%end\r\n")},
	"nested.ks":   {Data: []byte("%include inc.ks\n")},
	"sub/up.ks":   {Data: []byte("%include ../frag.ks\n")},
	"section.ks":  {Data: []byte("%packages\n@core\n%end\n")},
	"noeol.ks":    {Data: []byte("echo no newline")},
	"bom.ks":      {Data: []byte("\ufeffskipx\n")},
	"ksappend.ks": {Data: []byte("%ksappend frag.ks\n")},
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"", "lang en_US\n", "%include inc.ks\n", "%post\n%include sub/b.ks\necho after\n%end\n",
		"%include open.ks\nskipx\n", "%include loop.ks\n", "%ksappend frag.ks\nlang x\n",
		"%packages\n%include pkgs.ks\n-\n%end\n", "part / --size=1\npart / --size=2\n",
		"network --hostname=a#b\nrootpw \"p w#\"\n", "%addon x\n%end\n%anaconda\ny\n%end\n",
		"timezone --isUtc UTC\n%packages --instLangs=en\n%end\n", "firewall --port=ssh\n",
		"keyboard us --vckeymap=de\n", "%packages\n-@g\n@g\n-@^e\n@^e\n%end\n",
		"lang \"a b\"\n", "%post\n   \n%end\n%post\nx\n%end\n", "bootloader --append='a b' --timeout=5\n",
		"%include crlf.ks\n%include section.ks\n%include bom.ks\n", "%post\n%include noeol.ks\n%end\n",
		"auth --enableshadow\n", "\ufefflang en\n", "lang \xff\n", "%pre\n%packages\n%end\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	_ = filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ks") {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b, false)
			}
		}
		return nil
	})
}

// FuzzParse: parsing never panics, every diagnostic's range lies inside
// the file it names, and rendering settles: parsing and rendering the
// rendering again reaches a fixed point after one round.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, rhel9 bool) {
		v := F45
		if rhel9 {
			v = RHEL9
		}
		opts := Options{Version: v, Resolver: FSResolver{FS: fuzzFS}, KsAppend: len(data)%3 == 0}
		ks, diags := Parse("ks.cfg", data, opts)
		checkRanges(t, ks, diags)
		if diags.HasErrors() {
			return
		}
		for _, s := range ks.Sections {
			if s.Name == "%addon" || s.Name == "%anaconda" {
				return
			}
		}
		// Preserved text is readable and parses.
		_ = ks.Preserved()
		y1 := ks.String()
		opts.KsAppend = false
		ks2, d2 := Parse("y1.ks", []byte(y1), opts)
		checkRanges(t, ks2, d2)
		if d2.HasErrors() {
			// pykickstart's rendering does not quote values: a value
			// with a space, quote, backslash or # does not survive.
			if safeWords(ks) {
				t.Fatalf("rendering does not parse again: %v\ninput:\n%q\nrendering:\n%s", d2.Errs(), data, y1)
			}
			return
		}
		y2 := ks2.String()
		ks3, d3 := Parse("y2.ks", []byte(y2), opts)
		if d3.HasErrors() {
			// The same unquoted-value loss can take two rounds to show:
			// `part \\` renders as `part \`, which renders as `part `.
			if safeWords(ks) && safeWords(ks2) {
				t.Fatalf("second rendering does not parse: %v\n%s", d3.Errs(), y2)
			}
			return
		}
		// A value that is still unsafe after one rendering keeps losing
		// characters, one round at a time (`lang "\ 0"` renders as
		// `lang \ 0`, read as " 0", rendered as `lang  0`, read as "0"),
		// as in pykickstart; only safe words must settle.
		if !safeWords(ks2) {
			return
		}
		if y3 := ks3.String(); y3 != y2 {
			t.Fatalf("rendering is not a fixed point:\n%s", diffLines(y2, y3))
		}
	})
}

// safeWords reports whether every word of every command and section header
// survives being printed without quotes.
func safeWords(k *Kickstart) bool {
	ok := func(w Word) bool {
		// A value that starts with "-" reads as an option once the "--"
		// before it is gone (`timezone -- -A` renders as `timezone -A`).
		return !strings.ContainsAny(w.Value, " \t\r\n\"'\\#\v\f\x1c\x1d\x1e\u0085\u2028\u2029") && w.Value != "" && !strings.HasPrefix(w.Value, "-")
	}
	for _, c := range k.Commands {
		// Free-form commands (auth) keep currentLine[len(name):] as
		// pykickstart does, which cuts a quoted name (`a""uth`) mid-quote.
		if c.Name.Range.End.Byte-c.Name.Range.Start.Byte != len(c.Name.Value) {
			return false
		}
		for _, w := range append([]Word{c.Name}, c.Args...) {
			if !ok(w) {
				return false
			}
		}
	}
	for _, s := range k.Sections {
		for _, w := range s.Header.Args {
			if !ok(w) {
				return false
			}
		}
		for _, l := range s.Body {
			if s.Name == "%packages" && strings.ContainsAny(l.Text, "\"'\\#") {
				return false
			}
		}
	}
	return true
}

func checkRanges(t *testing.T, ks *Kickstart, diags hcl.Diagnostics) {
	t.Helper()
	files := map[string][]*File{}
	if ks != nil {
		for _, f := range ks.Files {
			files[f.Path] = append(files[f.Path], f)
		}
	}
	for _, d := range diags {
		r := d.Subject
		if r == nil {
			continue
		}
		fs := files[r.Filename]
		if len(fs) == 0 {
			t.Fatalf("diagnostic %v names a file that was not read", d)
		}
		inside := false
		for _, f := range fs {
			if r.Start.Byte >= 0 && r.Start.Byte <= r.End.Byte && r.End.Byte <= len(f.Src) &&
				r.Start.Line >= 1 && r.Start.Column >= 1 && r.End.Line >= r.Start.Line {
				inside = true
			}
		}
		if !inside {
			t.Fatalf("diagnostic %v: range %v outside %s", d.Summary, r, r.Filename)
		}
	}
}

// FuzzShlex: the splitter never panics and its words' ranges are ordered
// and inside the line.
func FuzzShlex(f *testing.F) {
	for _, s := range []string{"a b", `"a b" 'c'`, `a\ b#c`, `"x\"y"`, `'`, `\`, "a #b\nc", `""`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, comments bool) {
		toks, _ := shlexSplit(s, comments)
		prev := 0
		for _, tk := range toks {
			if tk.start < prev || tk.end < tk.start || tk.end > len(s) {
				t.Fatalf("token %+v out of order in %q", tk, s)
			}
			prev = tk.end
		}
	})
}
