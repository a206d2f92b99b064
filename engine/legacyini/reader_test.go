package legacyini_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine/legacyini"
)

// base is a minimal valid [image-build] section; tests append keys to it.
const base = `[image-build]
name = img
version = 1
target = t
install_tree = https://example.org/$arch/os/
arches = x86_64
distro = Fedora-41
repo = https://example.org/$arch/os/
kickstart = a.ks
ksurl = git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567
`

func convert(t *testing.T, ini string) (string, hcl.Diagnostics) {
	t.Helper()
	res, diags := legacyini.Convert("t.ini", []legacyini.Source{{Filename: "t.ini", Bytes: []byte(ini)}})
	return string(res.HCL), diags
}

// attrLine returns the generated line of one attribute, trimmed and with
// its alignment spaces collapsed.
func attrLine(hcl, name string) string {
	for _, l := range strings.Split(hcl, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && f[0] == name && f[1] == "=" {
			return name + " = " + strings.TrimSpace(strings.SplitN(l, "=", 2)[1])
		}
	}
	return ""
}

// TestIntentWithWarnings: the quirks are applied as meant, each with a
// warning pointing at its line.
func TestIntentWithWarnings(t *testing.T) {
	out, diags := convert(t, base+"disk-size = 20\nscratch = False\nskip-tag = no\n")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, want := range []string{`disk_size = "20"`, `scratch = false`, `skip_tag = false`} {
		name := strings.Fields(want)[0]
		if got := attrLine(out, name); got != want {
			t.Errorf("%s: got %q, want %q\n%s", name, got, want, out)
		}
	}
	if strings.Contains(out, "disk-size") || strings.Contains(out, "skip-tag") {
		t.Errorf("hyphenated names leaked into the HCL:\n%s", out)
	}
	type warning struct {
		Summary string
		Line    int
	}
	var got []warning
	for _, d := range diags {
		got = append(got, warning{d.Summary, d.Subject.Start.Line})
	}
	want := []warning{
		{"Hyphenated key", 11},
		{"False is true for Koji", 12},
		{"Hyphenated key", 13},
		{"False is true for Koji", 13},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestBooleans(t *testing.T) {
	for val, want := range map[string]string{
		"True": "true", "yes": "true", "ON": "true", "1": "true",
		"False": "false", "no": "false", "off": "false", "0": "false", "": "false",
	} {
		out, diags := convert(t, base+"scratch = "+val+"\n")
		if diags.HasErrors() {
			t.Errorf("scratch = %s: %s", val, diags)
			continue
		}
		if got := attrLine(out, "scratch"); got != "scratch = "+want {
			t.Errorf("scratch = %s: got %q, want %s", val, got, want)
		}
		warned := len(diags) > 0
		if wantWarn := want == "false" && val != ""; warned != wantWarn {
			t.Errorf("scratch = %s: warned %v, want %v", val, warned, wantWarn)
		}
	}
	_, diags := convert(t, base+"scratch = maybe\n")
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "Koji would take it as true") {
		t.Errorf("scratch = maybe: %v", diags)
	}
}

// TestConfigParserGrammar: values are what Python's ConfigParser reads,
// also where gopkg.in/ini.v1 alone would read them differently.
func TestConfigParserGrammar(t *testing.T) {
	for _, tc := range []struct{ name, line, attr, want string }{
		{"colon delimiter", "specfile: x", "specfile", `"x"`},
		{"quotes are kept", `specfile = "quoted"`, "specfile", `"\"quoted\""`},
		{"single quotes are kept", `specfile = 'quoted'`, "specfile", `"'quoted'"`},
		{"backticks are kept", "specfile = `x`", "specfile", "\"`x`\""},
		{"triple quotes are kept", `specfile = """x"""`, "specfile", `"\"\"\"x\"\"\""`},
		{"a # after a value is part of it", "specfile = a # b", "specfile", `"a # b"`},
		{"a ; after a value is part of it", "specfile = a ; b", "specfile", `"a ; b"`},
		{"no backslash continuation", "specfile = a\\", "specfile", `"a\\"`},
		{"upper-case keys are lowercased", "SPECFILE = x", "specfile", `"x"`},
		{"first delimiter splits", "specfile = a=b:c", "specfile", `"a=b:c"`},
		{"%% is a literal %", "specfile = 100%%", "specfile", `"100%"`},
		{"${ is escaped in HCL", "specfile = ${x}", "specfile", `"$${x}"`},
		{"interpolation", "specfile = %(name)s-%(version)s", "specfile", `"img-1"`},
		{"interpolation is case-insensitive", "specfile = %(NAME)s", "specfile", `"img"`},
		{"continuation lines join with newlines", "specfile = a\n  b\n\n  c\n", "specfile", `"a\nb\n\nc"`},
		{"comment lines inside a value vanish", "specfile = a\n  # no\n  b", "specfile", `"a\nb"`},
		{"indented comment line", "specfile = a\n    ; no\n", "specfile", `"a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, diags := convert(t, base+tc.line+"\n")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := attrLine(out, tc.attr); got != tc.attr+" = "+tc.want {
				t.Errorf("got %q, want %s = %s\n%s", got, tc.attr, tc.want, out)
			}
		})
	}
}

// TestIndentedKeys: a key indented no deeper than the one before it starts
// a new key, as in ConfigParser.
func TestIndentedKeys(t *testing.T) {
	out, diags := convert(t, "[image-build]\n  name = img\n  version = 1\n"+strings.SplitN(base, "\n", 4)[3])
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := attrLine(out, "version"); got != `version = "1"` {
		t.Errorf("version: %q\n%s", got, out)
	}
}

func TestDefaultSection(t *testing.T) {
	ini := "[DEFAULT]\ndisk_size = 7\nhelper = x\n" + base + "[ova-options]\novf_name = %(helper)s\n"
	out, diags := convert(t, ini)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := attrLine(out, "disk_size"); got != `disk_size = "7"` {
		t.Errorf("a [DEFAULT] image-build key applies: %q", got)
	}
	if strings.Contains(out, "helper =") || !strings.Contains(out, `ovf_name = "x"`) {
		t.Errorf("[DEFAULT] keys are for interpolation only:\n%s", out)
	}
	if len(diags) != 1 || diags[0].Summary != "[DEFAULT] keys not passed as OVA options" {
		t.Errorf("diagnostics: %v", diags)
	}
	// A key of the section wins over [DEFAULT].
	out, _ = convert(t, "[DEFAULT]\nversion = 9\n"+base)
	if got := attrLine(out, "version"); got != `version = "1"` {
		t.Errorf("version: %q", got)
	}
}

func TestDirectoryOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("10-base.conf", base+"disk_size = 10\n")
	write("20-size.conf", "[image-build]\ndisk_size = 20\n")
	write("30-more.conf", "[image-build]\nrelease = 3\n[ova-options]\novf_name = x\n")
	write(".hidden.conf", "[image-build]\ndisk_size = 99\n")
	write("notes.txt", "not read")
	res, diags := legacyini.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := string(res.HCL)
	for _, want := range []string{`disk_size = "20"`, `release = "3"`} {
		if got := attrLine(out, strings.Fields(want)[0]); got != want {
			t.Errorf("got %q, want %q\n%s", got, want, out)
		}
	}
	if res.Filename != filepath.Clean(dir)+".hcl" {
		t.Errorf("Filename = %s: relative paths resolve against the directory's parent", res.Filename)
	}
	if len(res.Files) != 3 {
		t.Errorf("read %d files, want the 3 visible *.conf", len(res.Files))
	}
	// Duplicates across files override; within one file they are errors.
	_, diags = legacyini.Load(t.TempDir())
	if !diags.HasErrors() || diags[0].Summary != "No *.conf files" {
		t.Errorf("empty directory: %v", diags)
	}
}

func TestInterpolationErrors(t *testing.T) {
	for line, want := range map[string]string{
		"specfile = 50%":            "Invalid % in value",
		"specfile = a%b":            "Invalid % in value",
		"specfile = %(name":         "Invalid % in value",
		"specfile = %(name)":        "Invalid % in value",
		"specfile = %(name)d":       "Invalid % in value",
		"specfile = %()s":           "Invalid % in value",
		"specfile = %(nope)s":       "Unknown interpolation key",
		"specfile = %(specfile)s":   "Recursive interpolation",
		"specfile = %(ovf_name)s":   "Unknown interpolation key", // another section's key
		"specfile = a %%(name)s %%": "",
	} {
		_, diags := convert(t, base+line+"\n[ova-options]\novf_name = x\n")
		got := ""
		if diags.HasErrors() {
			got = diags[0].Summary
			if diags[0].Subject.Start.Line != 11 {
				t.Errorf("%s: error on line %d, want 11", line, diags[0].Subject.Start.Line)
			}
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", line, got, want)
		}
	}
	// The error names the % itself.
	_, diags := convert(t, base+"specfile = https://x/a%20b\n")
	if s := diags[0].Subject; s.Start.Column != 23 || s.End.Column != 26 {
		t.Errorf("subject %s, want columns 23-26 (the %%20)", s)
	}
	if !strings.Contains(diags[0].Detail, "%%20") {
		t.Errorf("detail does not say to write %%%%: %s", diags[0].Detail)
	}
}

func TestFileErrors(t *testing.T) {
	_, diags := convert(t, "")
	if !diags.HasErrors() || diags[0].Summary != "Missing [image-build] section" || diags[0].Subject.Filename != "t.ini" || diags[0].Subject.Start.Line != 1 {
		t.Errorf("empty file: %v", diags)
	}
	_, diags = convert(t, "\ufeff"+base)
	if !diags.HasErrors() || diags[0].Summary != "Byte-order mark" {
		t.Errorf("BOM: %v", diags)
	}
	_, diags = legacyini.Load(filepath.Join(t.TempDir(), "nope.ini"))
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "can't be opened") {
		t.Errorf("missing file: %v", diags)
	}
}

// TestInterpolationBombRefused: ten levels of values that repeat the level
// below ten times would expand to 10 GB; reading stops at 1 MiB with an
// error on the value that crossed it.
func TestInterpolationBombRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("[DEFAULT]\na0 = " + strings.Repeat("x", 100) + "\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d = %s\n", i, strings.Repeat(fmt.Sprintf("%%(a%d)s", i-1), 10))
	}
	_, diags := convert(t, b.String()+base+"disk_size = %(a8)s\n")
	var found bool
	for _, d := range diags {
		if d.Summary == "Interpolated values too large" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no Interpolated values too large in %v", diags)
	}
}
