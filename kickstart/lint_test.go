package kickstart

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const lintDir = "testdata/lint"

var (
	lintCommentRe = regexp.MustCompile(`#\s*LINT:\s*([A-Za-z0-9_.,\- ]+)`)
	versionLineRe = regexp.MustCompile(`(?m)^#version=(\S+)`)
)

// lintFile parses and lints a test kickstart with the version its
// "#version=" line names (F45 without one) and includes resolved as Koji
// resolves them.
func lintFile(t *testing.T, path string, opts LintOptions) (*Kickstart, []LintFinding) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := F45
	if m := versionLineRe.FindSubmatch(src); m != nil {
		if v, err = ParseVersion(string(m[1])); err != nil {
			t.Fatal(err)
		}
	}
	ks, diags := Parse(path, src, Options{Version: v, Resolver: DirResolver{}})
	return ks, Lint(ks, diags, opts)
}

// lintComments are the "file:line: rule" the "# LINT: rule, ..." comments
// of every file the kickstart read ask for.
func lintComments(ks *Kickstart) []string {
	var out []string
	for _, f := range ks.Files {
		for i, sp := range splitLines(string(f.Src)) {
			m := lintCommentRe.FindStringSubmatch(string(f.Src[sp[0]:sp[1]]))
			if m == nil {
				continue
			}
			for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
				out = append(out, fmt.Sprintf("%s:%d: %s", f.Path, i+1, id))
			}
		}
	}
	slices.Sort(out)
	return out
}

func findingKeys(fs []LintFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Rule))
	}
	slices.Sort(out)
	return out
}

// checkFinding checks what every finding must have.
func checkFinding(t *testing.T, ks *Kickstart, f LintFinding) {
	t.Helper()
	r, ok := LintRuleByID(f.Rule)
	if !ok {
		t.Errorf("%+v: unregistered rule", f)
		return
	}
	if f.Severity != r.Severity {
		t.Errorf("%s:%d: %s has severity %s, the rule %s", f.File, f.Line, f.Rule, f.Severity, r.Severity)
	}
	if f.Line < 1 || f.Column < 1 || f.EndLine < f.Line || f.Message == "" || f.Hint == "" {
		t.Errorf("incomplete finding %+v", f)
	}
	if !slices.ContainsFunc(ks.Files, func(x *File) bool { return x.Path == f.File }) {
		t.Errorf("finding %+v names a file the kickstart did not read", f)
	}
}

// Each rule has a kickstart, testdata/lint/<rule-id>.ks, whose findings
// (linted for the rule's first target) are exactly the ones its
// "# LINT:" comments name; variants (<rule-id>.<variant>.ks) pin more
// cases, including kickstarts with no findings.
func TestLintRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(lintDir, "*.ks"))
	if err != nil || len(files) == 0 {
		t.Fatal("no lint test kickstarts", err)
	}
	covered := map[string]bool{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".ks")
		id, variant, _ := strings.Cut(name, ".")
		if id == "clean" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			rule, ok := LintRuleByID(id)
			if !ok {
				t.Fatalf("%s is named after no rule", path)
			}
			opts := LintOptions{}
			if rule.Targets != nil {
				opts.Target = rule.Targets[0]
			}
			ks, got := lintFile(t, path, opts)
			want := lintComments(ks)
			if diff := cmp.Diff(want, findingKeys(got)); diff != "" {
				t.Errorf("findings differ from the # LINT comments (-want +got):\n%s\nfindings: %+v", diff, got)
			}
			if variant == "" && !slices.ContainsFunc(want, func(k string) bool { return strings.HasSuffix(k, ": "+id) }) {
				t.Errorf("%s has no # LINT: %s comment", path, id)
			}
			for _, f := range got {
				checkFinding(t, ks, f)
			}
		})
		if variant == "" {
			covered[id] = true
		}
	}
	for _, r := range LintRules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no %s/%s.ks", r.ID, lintDir, r.ID)
		}
	}
}

// clean.ks has no findings, whatever it is linted for.
func TestLintClean(t *testing.T) {
	for _, target := range append([]Target{TargetAny}, Targets...) {
		t.Run(string(target), func(t *testing.T) {
			_, got := lintFile(t, filepath.Join(lintDir, "clean.ks"), LintOptions{Target: target, InstallTree: target == TargetLivemedia})
			if len(got) > 0 {
				t.Errorf("findings: %+v", got)
			}
		})
	}
}

// Options that say what the build does turn rules off: the install tree
// the build sets (livemedia install_tree_url), the kickstart's own repos.
func TestLintOptions(t *testing.T) {
	_, got := lintFile(t, filepath.Join(lintDir, "livemedia-no-url.ks"), LintOptions{Target: TargetLivemedia, InstallTree: true})
	if len(got) > 0 {
		t.Errorf("install tree set: %+v", got)
	}
	_, got = lintFile(t, filepath.Join(lintDir, "koji-repo-group.ks"), LintOptions{Target: TargetImageBuild, OwnRepos: true})
	if len(got) > 0 {
		t.Errorf("own repos: %+v", got)
	}
	// Without a target only the syntax is checked.
	_, got = lintFile(t, filepath.Join(lintDir, "no-poweroff.halt.ks"), LintOptions{})
	if diff := cmp.Diff([]string{"testdata/lint/no-poweroff.halt.ks:8: duplicate-command"}, findingKeys(got)); diff != "" {
		t.Error(diff)
	}
	// A parse that stops early reports only why.
	_, got = lintFile(t, filepath.Join(lintDir, "parse-error.ks"), LintOptions{Target: TargetImageBuild})
	if diff := cmp.Diff([]string{"testdata/lint/parse-error.ks:3: parse-error"}, findingKeys(got)); diff != "" {
		t.Error(diff)
	}
}

// A finding's position and hint: columns point at the word, and
// deprecated options name their replacement.
func TestLintPositions(t *testing.T) {
	_, got := lintFile(t, filepath.Join(lintDir, "deprecated-option.ks"), LintOptions{})
	var pos, hints []string
	for _, f := range got {
		pos = append(pos, fmt.Sprintf("%d:%d-%d:%d", f.Line, f.Column, f.EndLine, f.EndColumn))
		hints = append(hints, f.Hint)
	}
	if diff := cmp.Diff([]string{"2:18-2:25", "4:11-4:25", "4:26-4:43"}, pos); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{
		"Write --utc instead of --isUtc.",
		"Write --inst-langs instead of --instLangs.",
		"Write --exclude-weakdeps instead of --excludeWeakdeps.",
	}, hints); diff != "" {
		t.Error(diff)
	}
	_, got = lintFile(t, filepath.Join(lintDir, "koji-repo-group.ks"), LintOptions{Target: TargetImageBuild})
	pos = nil
	for _, f := range got {
		pos = append(pos, fmt.Sprintf("%d:%d-%d:%d", f.Line, f.Column, f.EndLine, f.EndColumn))
	}
	if diff := cmp.Diff([]string{"9:1-9:6", "10:1-10:29", "11:1-11:33", "12:3-12:20"}, pos); diff != "" {
		t.Error(diff)
	}
}

// Every diagnostic the parser can give has a rule: the warnings and the
// errors after which parsing goes on by name, the others (which stop the
// parse) as parse-error.
func TestLintDiagnosticRules(t *testing.T) {
	srcs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(errorAt|warnAt)\([^"\n]*?, "([^"]+)"`)
	n := 0
	for _, p := range srcs {
		if strings.HasSuffix(p, "_test.go") || strings.HasPrefix(p, "lint") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			kind, summary := m[1], m[2]
			if _, ok := diagRules[summary]; !ok && kind == "warnAt" {
				t.Errorf("%s: warning %q has no lint rule (diagRules)", p, summary)
			}
		}
	}
	if n < 20 {
		t.Errorf("found only %d diagnostics in the parser's source", n)
	}
	for s := range nonFatal {
		if _, ok := diagRules[s]; !ok {
			t.Errorf("non-fatal error %q has no lint rule", s)
		}
	}
}

// Fedora's live kickstarts are what Koji's livemedia builds: none has an
// error for livemedia. Their disk and cloud kickstarts pass image-build.
func TestLintCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "corpus", "fedora-kickstarts")
	for _, c := range []struct {
		glob   string
		target Target
	}{
		{"fedora-live-*.ks", TargetLivemedia},
		{"fedora-disk-*.ks", TargetImageBuild},
		{"fedora-cloud-base*.ks", TargetImageBuild},
	} {
		files, _ := filepath.Glob(filepath.Join(dir, c.glob))
		n := 0
		for _, p := range files {
			ks, got := lintFile(t, p, LintOptions{Target: c.target})
			// Fragments that other kickstarts include are not built alone.
			if !slices.ContainsFunc(ks.Files, func(f *File) bool {
				b := filepath.Base(f.Path)
				return b == "fedora-live-base.ks" || b == "fedora-disk-base.ks" || b == "fedora-cloud-base.ks"
			}) {
				continue
			}
			n++
			for _, f := range got {
				checkFinding(t, ks, f)
				if f.Severity == SeverityError {
					t.Errorf("%s for %s: %s:%d: %s: %s", p, c.target, f.File, f.Line, f.Rule, f.Message)
				}
			}
		}
		if n < 3 {
			t.Errorf("%s: only %d kickstarts checked", c.glob, n)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{"": TargetAny, "image-build": TargetImageBuild, "Livemedia": TargetLivemedia, " appliance ": TargetAppliance} {
		if got, err := ParseTarget(in); err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseTarget("livecd"); err == nil {
		t.Error("livecd accepted")
	}
}

// FuzzLint: linting never panics, for any target, and every finding has
// a registered rule with its severity and lies inside the file it names.
func FuzzLint(f *testing.F) {
	fuzzSeeds(f)
	files, _ := filepath.Glob(filepath.Join(lintDir, "*.ks"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, rhel bool) {
		v := F45
		if rhel {
			v = RHEL9
		}
		ks, diags := Parse("top.ks", data, Options{Version: v, Resolver: FSResolver{FS: fuzzFS}})
		for _, target := range append([]Target{TargetAny}, Targets...) {
			for _, f := range Lint(ks, diags, LintOptions{Target: target}) {
				r, ok := LintRuleByID(f.Rule)
				if !ok || !r.AppliesTo(target) {
					t.Fatalf("%s: finding of rule %q", target, f.Rule)
				}
				if f.Severity != r.Severity && f.Rule != "parse-error" {
					t.Fatalf("%s: %s has severity %s", target, f.Rule, f.Severity)
				}
				if f.File == "" {
					continue
				}
				i := slices.IndexFunc(ks.Files, func(x *File) bool { return x.Path == f.File })
				if i < 0 {
					t.Fatalf("%s: %+v names a file not read", target, f)
				}
				if f.Line < 1 || f.Column < 1 || f.Range.Start.Byte > f.Range.End.Byte || f.Range.End.Byte > len(ks.Files[i].Src) {
					t.Fatalf("%s: %+v lies outside %s", target, f, f.File)
				}
			}
		}
	})
}
