package fetchks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/stages/fetchks"
)

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A local tree is pinned by its content digest: an edit changes the stage
// ID, undoing it finds the first object again. Inside the recipe's
// directory it needs no warning.
func TestLocalDirectory(t *testing.T) {
	e := newEnv(t)
	ks := filepath.Join(e.dir, "kickstarts")
	write(t, filepath.Join(ks, "fedora.ks"), "%include snippets/common.ks\n")
	write(t, filepath.Join(ks, "snippets/common.ks"), "v1\n")
	write(t, filepath.Join(ks, ".git/HEAD"), "not part of the tree\n")
	stages := `
stage "fetch-ks" "ks" {
  url  = "kickstarts"
  file = "fedora.ks"
}`
	p1, diags := e.mustPlan(stages)
	if len(diags) > 0 {
		t.Errorf("a local tree beside the recipe: %v", diags)
	}
	if sum, err := e.run(p1); err != nil || sum.Done != 1 {
		t.Fatalf("run: %v (%s)", err, e.stageError(sum, "ks"))
	}
	id1 := node(t, p1, "ks").ID
	if got := e.read(id1, "tree/snippets/common.ks"); got != "v1\n" {
		t.Errorf("common.ks = %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.store.ObjectDir(id1), "tree/.git")); err == nil {
		t.Error(".git was copied")
	}
	rev := strings.TrimSpace(e.read(id1, "revision"))
	if !strings.HasPrefix(rev, "sha256:") || rev != node(t, p1, "ks").Resolved {
		t.Errorf("revision %q, want the resolved content digest %q", rev, node(t, p1, "ks").Resolved)
	}

	// .git does not count; the tree's files do.
	write(t, filepath.Join(ks, ".git/HEAD"), "changed\n")
	if p, _ := e.mustPlan(stages); node(t, p, "ks").ID != id1 {
		t.Error("a change under .git changed the stage ID")
	}
	write(t, filepath.Join(ks, "snippets/common.ks"), "v2\n")
	p2, _ := e.mustPlan(stages)
	id2 := node(t, p2, "ks").ID
	if id2 == id1 {
		t.Fatal("an edit kept the stage ID")
	}
	if sum, err := e.run(p2); err != nil || sum.Done != 1 {
		t.Fatalf("run after the edit: %v", err)
	}
	if got := e.read(id2, "tree/snippets/common.ks"); got != "v2\n" {
		t.Errorf("after the edit: %q", got)
	}
	write(t, filepath.Join(ks, "snippets/common.ks"), "v1\n")
	p3, _ := e.mustPlan(stages)
	if sum, err := e.run(p3); err != nil || sum.Cached != 1 {
		t.Errorf("undoing the edit: cached %d, %v", sum.Cached, err)
	}
}

func TestLocalFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ks/one.ks"), "one\n")
	// A single file: the tree holds only it, and file defaults to it.
	for _, url := range []string{"ks/one.ks", "./ks/one.ks", "file://" + filepath.Join(dir, "ks/one.ks"), filepath.Join(dir, "ks/one.ks")} {
		got, out, err := fetch(t, fetchks.Request{URL: url, Dir: dir})
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if got.Kickstart != "tree/one.ks" || readFile(t, filepath.Join(out, got.Kickstart)) != "one\n" {
			t.Errorf("%s: %+v", url, got)
		}
	}
	if _, _, err := fetch(t, fetchks.Request{URL: "ks/one.ks", Dir: dir, Checksum: sum256([]byte("two\n"))}); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("local file with a wrong checksum: %v", err)
	}
	if _, _, err := fetch(t, fetchks.Request{URL: "ks/one.ks", Dir: dir, Checksum: sum256([]byte("one\n"))}); err != nil {
		t.Errorf("local file with its checksum: %v", err)
	}
}

func TestLocalProblems(t *testing.T) {
	dir := t.TempDir()
	recipeDir := filepath.Join(dir, "recipe")
	write(t, filepath.Join(recipeDir, "ks/a.ks"), "a\n")
	write(t, filepath.Join(dir, "elsewhere/b.ks"), "b\n")
	write(t, filepath.Join(dir, "secret"), "secret\n")

	// Outside the recipe's directory: a warning.
	res, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: "../elsewhere/b.ks", Dir: recipeDir})
	if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "outside the recipe's directory") {
		t.Errorf("a path outside the recipe: %v, %v", res, err)
	}
	// Missing: the error says so, with a hint for go-getter's shorthands.
	if _, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: "github.com/org/ks", File: "a.ks", Dir: recipeDir}); err == nil ||
		!strings.Contains(err.Error(), "no such file") || !strings.Contains(err.Error(), "git::https://github.com/org/ks") {
		t.Errorf("missing local path: %v", err)
	}
	// A directory without file is a tree without a kickstart.
	if got, _, err := fetch(t, fetchks.Request{URL: "ks", Dir: recipeDir}); err != nil || got.Kickstart != got.Tree {
		t.Errorf("directory without file: %+v, %v; want the tree as kickstart", got, err)
	}
	// A symlink out of the tree is refused at run.
	if err := os.Symlink("../../secret", filepath.Join(recipeDir, "ks/secret.ks")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fetch(t, fetchks.Request{URL: "ks", File: "secret.ks", Dir: recipeDir}); err == nil || !strings.Contains(err.Error(), "secret.ks is a symlink to ../../secret, outside the tree") {
		t.Errorf("local symlink out of the tree: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ks/a.ks"), "a\n")
	for in, want := range map[string]string{
		"git+https://pagure.io/fedora-kickstarts.git?sub#main": "fedora-kickstarts",
		"git::ssh://git@host/org/ks//sub?ref=v1":               "ks",
		"https://host/kickstarts.tar.gz//sub":                  "kickstarts",
		"https://host/fedora.ks":                               ".",
		"https://host/fedora.ks.gz":                            ".",
		filepath.Join(dir, "ks/a.ks"):                          ".",
		filepath.Join(dir, "ks"):                               "",
		"s3::https://s3.amazonaws.com/bucket/ks.tar.gz":        "",
		// Expanded by go-getter's detectors in imgpipe-getter.
		"git@github.com:fedora/kickstarts.git": "kickstarts",
		"git::github.com/fedora/kickstarts":    "kickstarts",
	} {
		if got := fetchks.DefaultDir(t.Context(), in); got != want {
			t.Errorf("DefaultDir(%s) = %q, want %q", in, got, want)
		}
	}
}
