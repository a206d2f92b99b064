package kickstart

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

const corpusDir = "testdata/corpus/fedora-kickstarts"

// corpusFiles returns the corpus kickstarts that have an %include, relative
// to corpusDir.
func corpusFiles(t testing.TB) []string {
	var out []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".ks") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == "%include" {
				rel, _ := filepath.Rel(corpusDir, p)
				out = append(out, rel)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flattenCorpus flattens one corpus file as ksflatten does with an empty
// working directory.
func flattenCorpus(rel string, v Version) (*Kickstart, hcl.Diagnostics, error) {
	p := filepath.Join(corpusDir, rel)
	src, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, err
	}
	ks, diags := Parse(p, src, Options{Version: v, Resolver: DirResolver{}})
	return ks, diags, nil
}

func TestCorpusF45(t *testing.T) {
	files := corpusFiles(t)
	if len(files) != 87 {
		t.Errorf("found %d corpus files with %%include, want 87", len(files))
	}
	flat, failed := 0, 0
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			ks, diags, err := flattenCorpus(rel, F45)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata/corpus/expected-F45", rel+".flat"))
			if os.IsNotExist(err) {
				failed++
				checkMissingInclude(t, rel, diags)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			flat++
			if diags.HasErrors() {
				t.Fatalf("unexpected errors: %v", diags.Errs())
			}
			if got := ks.String(); got != string(want) {
				t.Errorf("output differs from pykickstart's:\n%s", diffLines(string(want), got))
			}
		})
	}
	if flat != 67 || failed != 20 {
		t.Errorf("%d flattened and %d failed, want 67 and 20", flat, failed)
	}
}

// checkMissingInclude checks the error of a corpus file whose include
// target does not exist: it names the missing file and the including file
// and line.
func checkMissingInclude(t *testing.T, rel string, diags hcl.Diagnostics) {
	t.Helper()
	errs := diags.Errs()
	if len(errs) != 1 {
		t.Fatalf("want exactly one error, got %v", diags)
	}
	d := errs[0].(*hcl.Diagnostic)
	errText, err := os.ReadFile(filepath.Join("testdata/corpus/expected-F45", rel+".err"))
	if err != nil {
		t.Fatal(err)
	}
	// pykickstart names the requested path: '../fedora-livecd-kde.ks'.
	_, requested, _ := strings.Cut(strings.TrimSpace(string(errText)), "No such file or directory: '")
	requested = strings.TrimSuffix(requested, "'")
	if requested == "" || !strings.Contains(d.Detail, requested) {
		t.Errorf("diagnostic %q does not name the missing file %q", d.Detail, requested)
	}
	if d.Subject == nil || d.Subject.Filename != filepath.Join(corpusDir, rel) {
		t.Errorf("diagnostic subject %v, want the including file %s", d.Subject, rel)
	}
	if d.Subject != nil && (d.Subject.Start.Line < 1 || !strings.Contains(d.Detail, filepath.Join(corpusDir, rel)+" line ")) {
		t.Errorf("diagnostic %q / %v does not name the including line", d.Detail, d.Subject)
	}
}

// diffLines is a small line diff for test failures.
func diffLines(want, got string) string {
	w := strings.SplitAfter(want, "\n")
	g := strings.SplitAfter(got, "\n")
	var b bytes.Buffer
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	j, k := len(w), len(g)
	for j > i && k > i && w[j-1] == g[k-1] {
		j--
		k--
	}
	from := max(0, i-3)
	b.WriteString("--- want +++ got, from line " + strconv.Itoa(from+1) + "\n")
	for x := from; x < i; x++ {
		b.WriteString("  " + w[x])
	}
	for x := i; x < j && x < i+40; x++ {
		b.WriteString("- " + w[x])
	}
	for x := i; x < k && x < i+40; x++ {
		b.WriteString("+ " + g[x])
	}
	return b.String()
}

func TestCorpusRHEL9(t *testing.T) {
	n := 0
	err := filepath.WalkDir("testdata/corpus/expected-RHEL9", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		rel, _ := filepath.Rel("testdata/corpus/expected-RHEL9", p)
		want, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		t.Run(rel, func(t *testing.T) {
			ks, diags, err := flattenCorpus(strings.TrimSuffix(strings.TrimSuffix(rel, ".flat"), ".err"), RHEL9)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(rel, ".err") {
				// pykickstart's message is the last line of its error.
				lines := strings.Split(strings.TrimSpace(string(want)), "\n")
				msg := lines[len(lines)-1]
				if !diags.HasErrors() || !strings.Contains(diags.Errs()[0].Error(), msg) {
					t.Errorf("want an error %q, got %v", msg, diags.Errs())
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("unexpected errors: %v", diags.Errs())
			}
			if got := ks.String(); got != string(want) {
				t.Errorf("output differs from pykickstart's:\n%s", diffLines(string(want), got))
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 67 {
		t.Errorf("%d RHEL9 cases, want 67", n)
	}
}
