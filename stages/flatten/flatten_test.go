package flatten

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/kickstart"
)

const corpus = "../../kickstart/testdata/corpus"

// fetchedTree lays out a fetch-ks object holding the Fedora kickstarts, as
// the store has it: objects/<id>/result.json and objects/<id>/tree/.
func fetchedTree(t *testing.T) string {
	t.Helper()
	obj := filepath.Join(t.TempDir(), "objects", "0123")
	tree := filepath.Join(obj, "tree")
	src := filepath.Join(corpus, "fedora-kickstarts")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(tree, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tree, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(obj, store.ResultFile), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return tree
}

// config builds a stage configuration with every attribute, defaults
// filled in.
func stageConfig(attrs map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{}
	for _, a := range Kind.Attrs {
		v := a.Default
		if v == cty.NilVal {
			v = cty.NullVal(a.Type)
		}
		m[a.Name] = v
	}
	for k, v := range attrs {
		m[k] = v
	}
	return cty.ObjectVal(m)
}

func runStage(t *testing.T, attrs map[string]cty.Value) (kind.Outputs, string, error) {
	t.Helper()
	var log bytes.Buffer
	s := &kind.Stage{
		Name: "kickstart", Kind: "flatten", Arch: kind.NoArch,
		Config: stageConfig(attrs), RecipeDir: t.TempDir(), OutDir: t.TempDir(), Scratch: t.TempDir(), Log: &log,
	}
	out, err := Kind.Run(context.Background(), s)
	if err != nil {
		return nil, log.String(), err
	}
	for name, v := range out {
		out[name] = cty.StringVal(filepath.Join(s.OutDir, v.AsString()))
	}
	return out, log.String(), nil
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	repos = cty.ListVal([]cty.Value{
		cty.StringVal("https://dl.example.org/41/Everything/x86_64/os/"),
		cty.StringVal("https://dl.example.org/41/updates/x86_64/"),
	})
	tree = cty.StringVal("https://dl.example.org/41/Cloud/x86_64/os/")
)

// The rewrite of five corpus kickstarts in each repo mode matches goldens
// derived by hand from pykickstart's flattened output (testdata/rewrite).
func TestRewriteGoldens(t *testing.T) {
	root := fetchedTree(t)
	for _, name := range []string{"fedora-cloud-base", "fedora-container-base", "fedora-disk-server", "fedora-live-kde", "fedora-live-workstation"} {
		for _, mode := range []string{"override", "append", "keep"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				attrs := map[string]cty.Value{
					"source":       cty.StringVal(filepath.Join(root, name+".ks")),
					"install_tree": tree,
					"repo_mode":    cty.StringVal(mode),
					"lint":         cty.StringVal("warn"),
				}
				if mode != "keep" {
					attrs["repos"] = repos
				}
				out, _, err := runStage(t, attrs)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := read(t, out["kickstart"].AsString()), read(t, filepath.Join("testdata/rewrite", name+"."+mode+".ks")); got != want {
					t.Errorf("rewritten kickstart differs from the golden:\n%s", got)
				}
				if got, want := read(t, out["original"].AsString()), read(t, filepath.Join(corpus, "expected-F45", name+".ks.flat")); got != want {
					t.Errorf("original differs from pykickstart's:\n%s", got)
				}
				if filepath.Base(out["kickstart"].AsString()) != name+".ks" || filepath.Base(out["original"].AsString()) != name+"-original.ks" ||
					filepath.Base(out["lint"].AsString()) != name+"-lint.json" {
					t.Errorf("output names %v", out)
				}
				var findings []kickstart.Finding
				if err := json.Unmarshal([]byte(read(t, out["lint"].AsString())), &findings); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestNoVerifySSL(t *testing.T) {
	root := fetchedTree(t)
	out, _, err := runStage(t, map[string]cty.Value{
		"source":       cty.StringVal(filepath.Join(root, "fedora-container-base.ks")),
		"repos":        cty.ListVal([]cty.Value{cty.StringVal("https://r/")}),
		"install_tree": cty.StringVal("https://t/"),
		"noverifyssl":  cty.True,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := read(t, out["kickstart"].AsString())
	for _, want := range []string{
		"reboot\nrepo --name=\"koji-override-0\" --baseurl=https://r/ --noverifyssl\n# Root password\n",
		"timezone Etc/UTC --utc\n# Use network installation\nurl --url=\"https://t/\" --noverifyssl\n# System bootloader",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// Lint findings: the source's deprecated options and duplicates, with
// paths relative to the tree; lint = "off" writes none.
func TestLint(t *testing.T) {
	root := fetchedTree(t)
	src := cty.StringVal(filepath.Join(root, "fedora-live-kde.ks"))
	out, log, err := runStage(t, map[string]cty.Value{"source": src})
	if err != nil {
		t.Fatal(err)
	}
	var findings []kickstart.LintFinding
	if err := json.Unmarshal([]byte(read(t, out["lint"].AsString())), &findings); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range findings {
		if f.Rule == "duplicate-entry" && strings.Contains(f.Message, "A partition with the mountpoint / has already been defined") {
			found = f.File == "fedora-live-kde.ks" && f.Line > 0 && f.Column > 0 && f.Severity == "warning" && f.Hint != ""
		}
	}
	if !found {
		t.Errorf("no duplicate-partition finding in fedora-live-kde.ks: %+v", findings)
	}
	if !strings.Contains(log, "warning: fedora-live-kde.ks:") || !strings.Contains(log, "[duplicate-entry]") {
		t.Errorf("findings not logged:\n%s", log)
	}
	out, log, err = runStage(t, map[string]cty.Value{"source": src, "lint": cty.StringVal("off")})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, out["lint"].AsString()); got != "[]\n" || log != "" {
		t.Errorf("lint off wrote %q and logged %q", got, log)
	}
}

// lint_for adds a build's rules; an error-severity finding fails the stage
// with lint = "error", is logged and written with "warn", and is not
// looked for with "off".
func TestLintModes(t *testing.T) {
	dir := t.TempDir()
	ks := filepath.Join(dir, "nostop.ks")
	// No reboot or poweroff: Oz would wait for the VM until it times out.
	if err := os.WriteFile(ks, []byte("lang en_US.UTF-8\nrootpw --lock\nzerombr\nclearpart --all --initlabel\npart / --size=4096 --asprimary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	attrs := func(lint string, target *string) map[string]cty.Value {
		m := map[string]cty.Value{"source": cty.StringVal(ks), "lint": cty.StringVal(lint)}
		if target != nil {
			m["lint_for"] = cty.StringVal(*target)
		}
		return m
	}
	imageBuild := "image-build"
	lintOf := func(out kind.Outputs) []kickstart.LintFinding {
		t.Helper()
		var fs []kickstart.LintFinding
		if err := json.Unmarshal([]byte(read(t, out["lint"].AsString())), &fs); err != nil {
			t.Fatal(err)
		}
		return fs
	}

	_, log, err := runStage(t, attrs("error", &imageBuild))
	if err == nil {
		t.Fatal("lint = error: the stage passed with a no-poweroff error")
	}
	for _, want := range []string{"nostop.ks has lint errors", "nostop.ks:1:1:", "[no-poweroff]", "lint = \"warn\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !strings.Contains(log, "error: nostop.ks:1:1: ") {
		t.Errorf("finding not logged:\n%s", log)
	}

	out, log, err := runStage(t, attrs("warn", &imageBuild))
	if err != nil {
		t.Fatalf("lint = warn: %v", err)
	}
	fs := lintOf(out)
	if len(fs) != 1 || fs[0].Rule != "no-poweroff" || fs[0].Severity != "error" || fs[0].File != "nostop.ks" || fs[0].Line != 1 {
		t.Errorf("lint = warn wrote %+v", fs)
	}
	if !strings.Contains(log, "[no-poweroff]") {
		t.Errorf("finding not logged:\n%s", log)
	}

	out, log, err = runStage(t, attrs("off", &imageBuild))
	if err != nil {
		t.Fatalf("lint = off: %v", err)
	}
	if fs := lintOf(out); len(fs) != 0 || log != "" {
		t.Errorf("lint = off wrote %+v and logged %q", fs, log)
	}

	// Without lint_for only the syntax is checked: nothing here.
	out, _, err = runStage(t, attrs("error", nil))
	if err != nil {
		t.Fatalf("no lint_for: %v", err)
	}
	if fs := lintOf(out); len(fs) != 0 {
		t.Errorf("no lint_for: %+v", fs)
	}

	// The build's own settings count: install_tree gives a livemedia its url.
	live := filepath.Join(dir, "live.ks")
	if err := os.WriteFile(live, []byte("lang en_US.UTF-8\nnetwork --bootproto=dhcp\nrootpw --lock\npart / --size=5120\nshutdown\n%packages\ndracut-live\n%end\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := map[string]cty.Value{"source": cty.StringVal(live), "lint_for": cty.StringVal("livemedia")}
	if _, _, err := runStage(t, m); err == nil || !strings.Contains(err.Error(), "[livemedia-no-url]") {
		t.Errorf("livemedia without url: %v", err)
	}
	m["install_tree"] = cty.StringVal("https://example.org/os/")
	if _, _, err := runStage(t, m); err != nil {
		t.Errorf("livemedia with install_tree: %v", err)
	}
}

// Errors name the file and line that has the problem, relative to the
// tree; includes cannot leave it.
func TestErrors(t *testing.T) {
	root := fetchedTree(t)
	write := func(name, text string) string {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"missing.ks", "%include fedora-repo.ks\n%include nope.ks\n", []string{"missing.ks:2:10", "missing.ks line 2 includes \"nope.ks\""}},
		{"escape.ks", "%include ../result.json\n", []string{"escape.ks:1:10", "outside the kickstart's tree"}},
		{"absolute.ks", "%include /etc/hostname\n", []string{"absolute.ks:1:10", "outside the kickstart's tree"}},
		{"l10n/bad.ks", "%include ../fedora-live-base.ks\n%include bad2.ks\n", []string{"l10n/bad2.ks:1:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			write("l10n/bad2.ks", "lang\n")
			_, _, err := runStage(t, map[string]cty.Value{"source": cty.StringVal(write(c.name, c.text))})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestKsappend(t *testing.T) {
	root := fetchedTree(t)
	if err := os.WriteFile(filepath.Join(root, "frag.ks"), []byte("lang de_DE.UTF-8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "app.ks")
	if err := os.WriteFile(p, []byte("%ksappend frag.ks\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runStage(t, map[string]cty.Value{"source": cty.StringVal(p), "ksappend": cty.True})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, out["original"].AsString()); !strings.Contains(got, "\nlang de_DE.UTF-8\n") {
		t.Errorf("%%ksappend not expanded:\n%s", got)
	}
	out, _, err = runStage(t, map[string]cty.Value{"source": cty.StringVal(p)})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, out["original"].AsString()); strings.Contains(got, "lang") {
		t.Errorf("%%ksappend expanded without ksappend = true:\n%s", got)
	}
}

func TestValidate(t *testing.T) {
	cfg := func(attrs map[string]cty.Value) *kind.Config {
		return &kind.Config{Value: stageConfig(attrs)}
	}
	for _, c := range []struct {
		attrs map[string]cty.Value
		want  string
		sev   hcl.DiagnosticSeverity
	}{
		{map[string]cty.Value{"version": cty.StringVal("FC3")}, "", 0},
		{map[string]cty.Value{"version": cty.StringVal("F46")}, "Unsupported kickstart version", hcl.DiagError},
		{map[string]cty.Value{"version": cty.StringVal("39000")}, "", 0},
		{map[string]cty.Value{"version": cty.StringVal("rhel9")}, "", 0},
		{map[string]cty.Value{"repos": cty.ListVal([]cty.Value{cty.StringVal("https://x/$arch/")})}, "Literal $arch in repos", hcl.DiagWarning},
	} {
		diags := validate(cfg(c.attrs))
		if c.want == "" {
			if len(diags) > 0 {
				t.Errorf("%v: unexpected %v", c.attrs, diags)
			}
			continue
		}
		if len(diags) != 1 || diags[0].Summary != c.want || diags[0].Severity != c.sev {
			t.Errorf("%v: got %v, want %q", c.attrs, diags, c.want)
		}
	}
}
