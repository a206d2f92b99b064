package kickstart

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Preserved text flattens to what the original flattens to, for every
// corpus file.
func TestPreservedFlattensTheSame(t *testing.T) {
	for _, rel := range corpusFiles(t) {
		ks, diags, err := flattenCorpus(rel, F45)
		if err != nil {
			t.Fatal(err)
		}
		if diags.HasErrors() {
			continue
		}
		want := ks.String()
		p := filepath.Join(corpusDir, rel)
		again, d2 := Parse(p, []byte(ks.Preserved()), Options{Version: F45})
		if d2.HasErrors() {
			t.Errorf("%s: preserved text does not parse: %v", rel, d2.Errs())
			continue
		}
		if got := again.String(); got != want {
			t.Errorf("%s: preserved text flattens differently:\n%s", rel, diffLines(want, got))
		}
	}
}

func TestPreservedKsappend(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ks.cfg", "# top\n%ksappend frag.ks\nskipx\n")
	write("frag.ks", "lang en_US\n# frag comment\n")
	ks, diags := ParseFile(filepath.Join(dir, "ks.cfg"), Options{Resolver: DirResolver{AppendDir: dir}, KsAppend: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got, want := ks.Preserved(), "# top\nlang en_US\n# frag comment\nskipx\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRewriteModes(t *testing.T) {
	src := "repo --name=own --baseurl=http://own/\nurl --url=http://old/ --proxy=http://p:3128 --noverifyssl\n"
	for _, c := range []struct {
		rw   KojiRewrite
		want string
	}{
		{KojiRewrite{Repos: []string{"http://a/", "http://b/"}}, "repo --name=\"koji-override-0\" --baseurl=http://a/\nrepo --name=\"koji-override-1\" --baseurl=http://b/\n# Use network installation\nurl --url=\"http://old/\" --proxy=\"http://p:3128\" --noverifyssl\n"},
		{KojiRewrite{Repos: []string{"http://a/"}, RepoMode: RepoAppend, InstallTree: "http://t/"}, "repo --name=\"own\" --baseurl=http://own/\nrepo --name=\"koji-override-0\" --baseurl=http://a/\n# Use network installation\nurl --url=\"http://t/\" --proxy=\"http://p:3128\"\n"},
		{KojiRewrite{Repos: []string{"http://a/"}, RepoMode: RepoKeep, InstallTree: "http://t/", NoVerifySSL: true}, "repo --name=\"own\" --baseurl=http://own/\n# Use network installation\nurl --url=\"http://t/\" --proxy=\"http://p:3128\" --noverifyssl\n"},
		{KojiRewrite{}, "# Use network installation\nurl --url=\"http://old/\" --proxy=\"http://p:3128\" --noverifyssl\n"},
	} {
		ks, diags := Parse("ks.cfg", []byte(src), Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if err := ks.Rewrite(c.rw); err != nil {
			t.Fatal(err)
		}
		if got := ks.String(); got != hdrF45+c.want+bootNone {
			t.Errorf("%+v:\n%s", c.rw, got)
		}
	}
	ks, _ := Parse("ks.cfg", nil, Options{})
	if err := ks.Rewrite(KojiRewrite{RepoMode: "replace"}); err == nil {
		t.Error("unknown repo mode accepted")
	}
}

func TestBootloaderAppend(t *testing.T) {
	ks, _ := Parse("ks.cfg", []byte("bootloader --append=\"console=ttyS0 quiet\"\n"), Options{})
	if got := ks.BootloaderAppend(); got != "console=ttyS0 quiet" {
		t.Errorf("got %q", got)
	}
	ks, _ = Parse("ks.cfg", nil, Options{})
	if got := ks.BootloaderAppend(); got != "" {
		t.Errorf("got %q", got)
	}
}

// pykickstart/version.py returnClassForVersion (what makeVersion, and so
// Koji's builder, calls): a versionMap name in any case, or a version
// number; "Fedora 40" is a form only versionFromFile reads. DEVEL is
// imgpipe's addition (makeVersion refuses it).
func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{"DEVEL": F45, "devel": F45, "f40": F40, "rhel8": RHEL8, "34100": RHEL9, "fc6": FC6, "900": RHEL3, " F41 ": F41} {
		if v, err := ParseVersion(in); err != nil || v != want {
			t.Errorf("%q: %v %v", in, v, err)
		}
	}
	// Every version pykickstart 3.74 knows is reproduced, by name and by
	// number.
	for v, name := range versionNames {
		if !v.Supported() {
			t.Errorf("%s has no tables", name)
		}
		for _, in := range []string{name, strings.ToLower(name), strconv.Itoa(int(v))} {
			if got, err := ParseVersion(in); err != nil || got != v {
				t.Errorf("%s: %v %v", in, got, err)
			}
		}
	}
	for _, in := range []string{"F46", "Fedora 40", "FC7", "F2", "46000", "0", ""} {
		if _, err := ParseVersion(in); err == nil || !strings.Contains(err.Error(), "unsupported kickstart version") {
			t.Errorf("%q: %v, want unknown", in, err)
		}
	}
	ks, diags := Parse("ks.cfg", nil, Options{Version: 123})
	if ks == nil || !diags.HasErrors() {
		t.Error("unsupported version accepted")
	}
}

// The model: commands with their words, options as written and ranges;
// sections with their bodies; includes.
func TestModel(t *testing.T) {
	files := map[string]string{"ks.cfg": "part / --fst=xfs --size 5\n%post --log=/l\necho\n%include body.sh\n%end\n", "body.sh": "# c\necho inc\n"}
	r := ResolverFunc(func(name, dir string) (string, []byte, error) { return name, []byte(files[name]), nil })
	ks, diags := Parse("ks.cfg", []byte(files["ks.cfg"]), Options{Resolver: r})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(ks.Commands) != 1 || len(ks.Sections) != 1 || len(ks.Includes) != 1 || len(ks.Files) != 2 {
		t.Fatalf("commands %d sections %d includes %d files %d", len(ks.Commands), len(ks.Sections), len(ks.Includes), len(ks.Files))
	}
	c := ks.Commands[0]
	if c.Name.Value != "part" || c.Class != "F41_Partition" || c.Status != StatusNormal || len(c.Args) != 4 {
		t.Errorf("command %+v", c)
	}
	if len(c.Options) != 2 || c.Options[0].Written != "--fst" || c.Options[0].Flag != "--fstype" || c.Options[0].Value.Value != "xfs" ||
		c.Options[1].Flag != "--size" || c.Options[1].Value.Value != "5" || c.Options[1].Range.Start.Column != 18 || c.Options[1].Range.End.Column != 26 {
		t.Errorf("options %+v", c.Options)
	}
	if len(c.Positionals) != 1 || c.Positionals[0].Value != "/" || c.Positionals[0].Range.Start.Column != 6 {
		t.Errorf("positionals %+v", c.Positionals)
	}
	s := ks.Sections[0]
	if s.Name != "%post" || s.End == nil || s.End.Start.Line != 5 || len(s.Body) != 2 || s.Body[1].Text != "echo inc\n" || s.Body[1].Range.Filename != "body.sh" ||
		len(s.Header.Options) != 1 || s.Header.Options[0].Flag != "--log" {
		t.Errorf("section %+v", s)
	}
	if inc := ks.Includes[0]; inc.Section != s || inc.Target.Value != "body.sh" || inc.File != ks.Files[1] {
		t.Errorf("include %+v", inc)
	}
}

// Diagnostics point at the word they are about: file, line and column.
func TestDiagnosticRanges(t *testing.T) {
	for _, c := range []struct {
		src       string
		line, col int
	}{
		{"lang en\nkeyboard --vckeymap\n", 2, 10},
		{"skipx\n  bootloader --location=left\n", 2, 14},
		{"lang \"x\n", 1, 6},
		{"%include missing.ks\n", 1, 10},
		{"part / --size=x\n", 1, 8},
	} {
		_, diags := Parse("ks.cfg", []byte(c.src), Options{Resolver: DirResolver{}})
		errs := diags.Errs()
		if len(errs) == 0 {
			t.Errorf("%q: no error", c.src)
			continue
		}
		d := errs[0].(*hcl.Diagnostic)
		if d.Subject == nil || d.Subject.Filename != "ks.cfg" || d.Subject.Start.Line != c.line || d.Subject.Start.Column != c.col {
			t.Errorf("%q: %v at %v, want line %d column %d", c.src, d.Detail, d.Subject, c.line, c.col)
		}
	}
}

func TestFindings(t *testing.T) {
	_, diags := Parse("/tree/ks.cfg", []byte("part / --size=1\npart / --size=2\nlang\n"), Options{})
	f := Findings(diags, func(p string) string { return strings.TrimPrefix(p, "/tree/") })
	if len(f) != 2 || f[0].Severity != "warning" || f[0].File != "ks.cfg" || f[0].Line != 2 || f[1].Severity != "error" || f[1].Line != 3 {
		t.Errorf("%+v", f)
	}
}

// For the corpus, rendering is a fixed point: the rendering parses and
// renders to itself.
func TestCorpusFixedPoint(t *testing.T) {
	for _, rel := range corpusFiles(t) {
		ks, diags, err := flattenCorpus(rel, F45)
		if err != nil {
			t.Fatal(err)
		}
		if diags.HasErrors() {
			continue
		}
		y1 := ks.String()
		again, d := Parse(rel, []byte(y1), Options{Version: F45})
		if d.HasErrors() {
			t.Errorf("%s: rendering does not parse: %v", rel, d.Errs())
		} else if y2 := again.String(); y2 != y1 {
			t.Errorf("%s: rendering changes when parsed again:\n%s", rel, diffLines(y1, y2))
		}
	}
}

// pykickstart's rendering is not always a fixed point; these are its
// corners, reproduced (each second rendering was checked with pykickstart).
// The fuzz target therefore checks that a second round changes nothing.
func TestRenderingCorners(t *testing.T) {
	runRules(t, []ruleCase{
		// A port named like a service prints as that service's flag,
		// which parses as a service.
		{name: "firewall port ssh", v: F45, files: ks("firewall --port=ssh\n"), want: hdrF45 + "# Firewall configuration\nfirewall --enabled --ssh\n" + bootNone},
		{name: "firewall --ssh", v: F45, files: ks("firewall --enabled --ssh\n"), want: hdrF45 + "# Firewall configuration\nfirewall --enabled --service=ssh\n" + bootNone},
		// Both keyboard forms: the old one becomes a comment.
		{name: "keyboard both forms", v: F45, files: ks("keyboard us --vckeymap=de\n"), want: hdrF45 + "# Keyboard layouts\n# old format: keyboard us\n# new format:\nkeyboard --vckeymap=de\n" + bootNone},
		// Values are printed without quotes.
		{name: "value with #", v: F45, files: ks("lang \"en#x\"\n"), want: hdrF45 + "# System language\nlang en#x\n" + bootNone},
	})
}
