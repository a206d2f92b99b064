package fetchks_test

import (
	"context"
	"fmt"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages/fetchks"
)

// A pinned commit needs nothing but the cache: rerunning with the origin
// deleted plans the same stage ID without touching the repository and
// takes both stages from the store.
func TestPinnedCommitRerunsFromCacheWithOriginDeleted(t *testing.T) {
	r := newRepo(t)
	r.write("ks/fedora-cloud.ks", "%include common.ks\nv1\n")
	r.write("ks/common.ks", "common\n")
	r.write("README", "not in the subdirectory\n")
	sha := r.commit("one")
	e := newEnv(t)
	stages := fmt.Sprintf(`
stage "fetch-ks" "ks" {
  url  = %q
  file = "fedora-cloud.ks"
}
stage "exec" "use" {
  command = ["sh", "-euc", "cp \"$1\" \"$IMGPIPE_OUT/ks\"; printf %%s \"$REV\" >\"$IMGPIPE_OUT/rev\"", "sh", stage.ks.kickstart]
  env     = { REV = stage.ks.revision }
  outputs = ["ks", "rev"]
}`, r.url("ks", sha))

	p, diags := e.mustPlan(stages)
	if len(diags) > 0 {
		t.Errorf("a pinned source resolves without diagnostics, got %v", diags)
	}
	ks, use := node(t, p, "ks"), node(t, p, "use")
	if ks.Resolved != sha {
		t.Errorf("Resolved = %q, want %s", ks.Resolved, sha)
	}
	sum, err := e.run(p)
	if err != nil || sum.Done != 2 {
		t.Fatalf("first run: done %d, err %v (%s)", sum.Done, err, e.stageError(sum, "ks"))
	}
	if got := e.read(ks.ID, "tree/fedora-cloud.ks"); got != "%include common.ks\nv1\n" {
		t.Errorf("kickstart = %q", got)
	}
	if got := e.read(ks.ID, "tree/common.ks"); got != "common\n" {
		t.Errorf("common.ks = %q", got)
	}
	for _, absent := range []string{"tree/README", "tree/.git", "tree/ks"} {
		if _, err := os.Lstat(filepath.Join(e.store.ObjectDir(ks.ID), absent)); err == nil {
			t.Errorf("%s is in the object; the tree is the subdirectory ks, without .git", absent)
		}
	}
	if got := e.read(ks.ID, "revision"); got != sha+"\n" {
		t.Errorf("revision file = %q, want %s", got, sha)
	}
	if got := e.read(use.ID, "ks"); got != "%include common.ks\nv1\n" {
		t.Errorf("the next stage read %q through stage.ks.kickstart", got)
	}
	if got := e.read(use.ID, "rev"); got != sha {
		t.Errorf("stage.ks.revision = %q, want %s", got, sha)
	}

	if err := os.RemoveAll(r.dir); err != nil {
		t.Fatal(err)
	}
	p2, diags := e.mustPlan(stages)
	if len(diags) > 0 {
		t.Errorf("with the origin gone, a pinned source still resolves without diagnostics, got %v", diags)
	}
	if got := node(t, p2, "ks").ID; got != ks.ID {
		t.Errorf("stage ID changed with the origin gone: %s, was %s", got, ks.ID)
	}
	sum, err = e.run(p2)
	if err != nil || sum.Cached != 2 || sum.Done != 0 {
		t.Fatalf("rerun with the origin deleted: cached %d, done %d, err %v; want both stages cached", sum.Cached, sum.Done, err)
	}
}

// A branch is resolved before the run: a new commit on it changes the
// resolved revision, hence the stage ID, and the run fetches the new
// content into a new object. An unpinned source warns, on url.
func TestBranchPicksUpNewCommit(t *testing.T) {
	r := newRepo(t)
	r.write("fedora.ks", "v1\n")
	sha1 := r.commit("one")
	e := newEnv(t)
	stages := fmt.Sprintf(`
stage "fetch-ks" "ks" {
  url  = %q
  file = "fedora.ks"
}`, r.url("", "main"))

	p1, diags := e.mustPlan(stages)
	wantUnpinned(t, diags, sha1)
	ks1 := node(t, p1, "ks")
	if ks1.Resolved != sha1 {
		t.Fatalf("main resolved to %q, want %s", ks1.Resolved, sha1)
	}
	if sum, err := e.run(p1); err != nil || sum.Done != 1 {
		t.Fatalf("first run: done %d, err %v", sum.Done, err)
	}
	if got := e.read(ks1.ID, "tree/fedora.ks"); got != "v1\n" {
		t.Errorf("first run fetched %q", got)
	}

	// Unchanged branch: same ID, cached.
	p, _ := e.mustPlan(stages)
	if sum, err := e.run(p); err != nil || sum.Cached != 1 {
		t.Fatalf("rerun: cached %d, err %v", sum.Cached, err)
	}

	r.write("fedora.ks", "v2\n")
	sha2 := r.commit("two")
	p2, diags := e.mustPlan(stages)
	wantUnpinned(t, diags, sha2)
	ks2 := node(t, p2, "ks")
	if ks2.Resolved != sha2 || ks2.ID == ks1.ID {
		t.Fatalf("after a commit: resolved %s (want %s), ID %s (was %s); want a new ID", ks2.Resolved, sha2, ks2.ID, ks1.ID)
	}
	if sum, err := e.run(p2); err != nil || sum.Done != 1 {
		t.Fatalf("run after the commit: done %d, err %v", sum.Done, err)
	}
	if got := e.read(ks2.ID, "tree/fedora.ks"); got != "v2\n" {
		t.Errorf("run after the commit fetched %q", got)
	}
	if got := e.read(ks2.ID, "revision"); got != sha2+"\n" {
		t.Errorf("revision = %q, want %s", got, sha2)
	}
	if got := e.read(ks1.ID, "tree/fedora.ks"); got != "v1\n" {
		t.Errorf("the first object changed: %q", got)
	}
}

// wantUnpinned checks for exactly one warning, on the url attribute (line
// 9 of the recipe), naming the commit and saying the recipe is not
// reproducible.
func wantUnpinned(t *testing.T, diags hcl.Diagnostics, sha string) {
	t.Helper()
	if len(diags) != 1 {
		t.Fatalf("want one warning, got %v", diags)
	}
	d := diags[0]
	if d.Severity != hcl.DiagWarning || !strings.Contains(d.Detail, "not reproducible") || !strings.Contains(d.Detail, sha) {
		t.Errorf("diagnostic = %s: %s; want a warning naming %s and saying the recipe is not reproducible", d.Summary, d.Detail, sha)
	}
	if d.Subject == nil || d.Subject.Start.Line != 9 || !strings.HasSuffix(d.Subject.Filename, "recipe.hcl") {
		t.Errorf("warning is at %v, want the url attribute (recipe.hcl:9)", d.Subject)
	}
}

func TestResolveRevisions(t *testing.T) {
	r := newRepo(t)
	r.write("a.ks", "1\n")
	first := r.commit("one")
	r.git("tag", "-a", "v1", "-m", "annotated")
	r.git("tag", "light")
	r.write("a.ks", "2\n")
	second := r.commit("two")
	r.git("branch", "feature/x", first)
	r.git("tag", "same-name", second)
	r.git("branch", "same-name", first)

	tests := []struct {
		url, want, warn string
	}{
		{r.url("", ""), second, "default branch"},
		{r.url("", "main"), second, `Branch "main"`},
		{r.url("", "origin/main"), second, `Branch "main"`},
		{r.url("", "refs/heads/main"), second, "refs/heads/main"},
		{r.url("", "feature/x"), first, `Branch "feature/x"`},
		{r.url("", "v1"), first, `Tag "v1"`}, // annotated: the commit, not the tag object
		{r.url("", "light"), first, `Tag "light"`},
		{r.url("", "same-name"), second, `Tag "same-name"`}, // as git: tags before branches
		{r.url("", first[:7]), first, "abbreviated commit"},
		{r.url("", first), first, ""},
		{"git::file://" + r.dir + "?ref=main&depth=1", second, `Branch "main"`},
		{"git::file://" + r.dir + "//sub", second, "default branch"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			res, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: tt.url, File: "a.ks"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Revision != tt.want {
				t.Errorf("Revision = %s, want %s", res.Revision, tt.want)
			}
			switch {
			case tt.warn == "" && len(res.Warnings) > 0:
				t.Errorf("a full commit is pinned, got warnings %q", res.Warnings)
			case tt.warn != "" && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tt.warn) || !strings.Contains(res.Warnings[0], "not reproducible")):
				t.Errorf("warnings = %q, want one saying %q and not reproducible", res.Warnings, tt.warn)
			}
		})
	}

	// A full commit resolves without the repository.
	gone := "git+file:///nonexistent/repo.git?ks#" + strings.ToUpper(first)
	if res, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: gone, File: "a.ks"}); err != nil || res.Revision != first {
		t.Errorf("pinned url without its repository: %v, %v", res, err)
	}
	for _, bad := range []struct{ rev, want string }{
		{"nope", `no branch or tag "nope"`},
		{"deadbee", `no branch, tag or commit "deadbee"`},
	} {
		if _, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: r.url("", bad.rev), File: "a.ks"}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("revision %s: error %v, want %q", bad.rev, err, bad.want)
		}
	}
}

// fetch resolves and fetches into a temporary directory, as ks fetch does.
func fetch(t *testing.T, r fetchks.Request) (fetchks.Result, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := fetchks.Resolve(ctx, r)
	if err != nil {
		return fetchks.Result{}, "", err
	}
	out := t.TempDir()
	got, err := fetchks.Fetch(ctx, r, res.Revision, out, t.TempDir(), nil)
	return got, out, err
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSubdirectory(t *testing.T) {
	r := newRepo(t)
	r.write("a/b/x.ks", "x\n")
	r.write("a/b/inc/y.ks", "y\n")
	r.write("a/other.ks", "other\n")
	sha := r.commit("one")
	for _, url := range []string{
		r.url("a/b", "main"),
		"git::file://" + r.dir + "//a/b?ref=main",
		"git::file://" + r.dir + "//a/b/?ref=" + sha,
	} {
		t.Run(url, func(t *testing.T) {
			res, out, err := fetch(t, fetchks.Request{URL: url, File: "x.ks"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Revision != sha || res.Kickstart != "tree/x.ks" {
				t.Errorf("result = %+v", res)
			}
			if got := readFile(t, filepath.Join(out, "tree/inc/y.ks")); got != "y\n" {
				t.Errorf("inc/y.ks = %q", got)
			}
			if _, err := os.Stat(filepath.Join(out, "tree/other.ks")); err == nil {
				t.Error("a file beside the subdirectory was fetched")
			}
		})
	}
	// go-getter's shorthand, expanded by its detectors in imgpipe-getter:
	// a path relative to the recipe's directory, forced to git.
	res, out, err := fetch(t, fetchks.Request{URL: "git::origin//a/b?ref=main", Dir: filepath.Dir(r.dir), File: "x.ks"})
	if err != nil || res.Revision != sha || readFile(t, filepath.Join(out, "tree/inc/y.ks")) != "y\n" {
		t.Errorf("shorthand git::origin//a/b?ref=main: %+v, %v", res, err)
	}

	_, _, err = fetch(t, fetchks.Request{URL: r.url("a/c", "main"), File: "x.ks"})
	if err == nil || !strings.Contains(err.Error(), `subdirectory "a/c" is not in `+r.url("a/c", "main")) ||
		!strings.Contains(err.Error(), sha) || !strings.Contains(err.Error(), `"a/b"`) {
		t.Errorf("missing subdirectory: %v; want the URL, the revision and a/b suggested", err)
	}
}

// A missing kickstart fails the stage; the error names the URL, the
// revision and the nearest files.
func TestMissingKickstart(t *testing.T) {
	r := newRepo(t)
	for _, f := range []string{"fedora-cloud-base.ks", "fedora-cloud-base-azure.ks", "fedora-disk-base.ks", "fedora-live-kde.ks", "snippets/packagekit-cached-metadata.ks"} {
		r.write("ks/"+f, "x\n")
	}
	sha := r.commit("one")
	e := newEnv(t)
	url := r.url("ks", "main")
	p, _ := e.mustPlan(fmt.Sprintf(`
stage "fetch-ks" "ks" {
  url  = %q
  file = "fedora-cloud-bse.ks"
}`, url))
	sum, err := e.run(p)
	if err == nil || sum.FailedStages != 1 {
		t.Fatalf("run: failed %d, err %v; want the stage to fail", sum.FailedStages, err)
	}
	msg := e.stageError(sum, "ks")
	for _, want := range []string{`kickstart "fedora-cloud-bse.ks" is not in ` + url, "revision " + sha, `Did you mean "fedora-cloud-base.ks", `, "of its 5 files"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	// Nothing half-written is left as an object.
	if _, ok, _ := e.store.Lookup(node(t, p, "ks").ID); ok {
		t.Error("a failed fetch left an object")
	}
}

func TestSymlinks(t *testing.T) {
	r := newRepo(t)
	r.write("ks/fedora.ks", "ks\n")
	r.write("secret", "outside the subdirectory\n")
	r.symlink("ks/link.ks", "fedora.ks")
	r.symlink("ks/dir/up.ks", "../fedora.ks")
	r.symlink("ks/dangling", "nothing-here")
	good := r.commit("in-tree links")

	res, out, err := fetch(t, fetchks.Request{URL: r.url("ks", good), File: "link.ks"})
	if err != nil {
		t.Fatalf("in-tree symlinks: %v", err)
	}
	if got := readFile(t, filepath.Join(out, res.Kickstart)); got != "ks\n" {
		t.Errorf("kickstart through an in-tree link = %q", got)
	}
	if target, err := os.Readlink(filepath.Join(out, "tree/dir/up.ks")); err != nil || target != "../fedora.ks" {
		t.Errorf("dir/up.ks: %q, %v; want the link kept as it is", target, err)
	}

	for _, tt := range []struct{ name, link, target, sub, want string }{
		{"absolute", "ks/passwd", "/etc/passwd", "ks", "passwd is a symlink to the absolute path /etc/passwd"},
		{"up and out", "ks/escape", "../secret", "ks", "escape is a symlink to ../secret, outside the tree"},
		{"far out", "ks/far", "../../../../../../etc/shadow", "ks", "far is a symlink"},
		{"through a link", "ks/self", ".", "ks", ""}, // ks/self/.. is outside ks
		{"root absolute", "passwd", "/etc/passwd", "", "passwd is a symlink to the absolute path /etc/passwd"},
		{"subdir is a link", "ks2", "ks", "ks2", "subdirectory ks2: ks2 is a symlink"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r.git("reset", "--quiet", "--hard", good)
			r.symlink(tt.link, tt.target)
			if tt.name == "through a link" {
				r.symlink("ks/sneaky", "self/../secret")
				tt.want = "sneaky is a symlink to self/../secret, which leaves the tree"
			}
			sha := r.commit(tt.name)
			_, out, err := fetch(t, fetchks.Request{URL: r.url(tt.sub, sha), File: "fedora.ks"})
			if err == nil {
				t.Fatalf("fetched a tree with a symlink out of it into %s", out)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), sha) {
				t.Errorf("error %q; want it to contain %q and the revision", err, tt.want)
			}
		})
	}
}

// Validation refuses, without fetching, paths that leave the tree and
// malformed sources; planning (validate) never contacts the repository.
func TestValidateRefuses(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		attrs, summary, detail string
	}{
		{`url = "git+https://host/r.git?../etc#main"` + "\n  file = \"a.ks\"", "Invalid url", `contains ".."`},
		{`url = "git::https://host/r.git//a/../../b?ref=main"` + "\n  file = \"a.ks\"", "Invalid url", `contains ".."`},
		{`url = "git+https://host/r.git#main"` + "\n  file = \"../a.ks\"", "Invalid file", "leaves the fetched tree"},
		{`url = "git+https://host/r.git#main"` + "\n  file = \"x/../../a.ks\"", "Invalid file", "leaves the fetched tree"},
		{`url = "git+https://host/r.git#main"` + "\n  file = \"/etc/passwd\"", "Invalid file", "absolute"},
		{`url = "svn://host/r?trunk#1"` + "\n  file = \"a.ks\"", "Invalid url", "not supported"},
		{`url = "https://host/a.ks"` + "\n  checksum = \"sha256:abc\"", "Invalid checksum", "64 hex digits"},
		{`url = "git+https://host/r.git#main"` + "\n  file = \"a.ks\"\n  checksum = \"sha256:" + strings.Repeat("a", 64) + "\"", "Checksum not applicable", "full commit"},
		{`url = "https://host/r.git"` + "\n  file = \"a.ks\"", "Invalid url", "looks like a git repository"},
		{`url = "ftp://host/a.ks"`, "Invalid url", "not supported"},
		{`url = "foo::host/a.ks"`, "Invalid url", `go-getter source "foo::host/a.ks" is not supported`},
		// Known only once imgpipe-getter has expanded the shorthand, when
		// the source is resolved; still on the checksum attribute.
		{`url = "git@imgpipe.invalid:org/ks.git"` + "\n  file = \"a.ks\"\n  checksum = \"sha256:" + strings.Repeat("a", 64) + "\"", "Checksum not applicable", "full commit"},
	} {
		t.Run(tt.detail, func(t *testing.T) {
			_, diags := e.plan("stage \"fetch-ks\" \"ks\" {\n  " + tt.attrs + "\n}\n")
			if !diags.HasErrors() {
				t.Fatalf("planned without errors")
			}
			d := diags[0]
			if d.Summary != tt.summary || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("diagnostic %s: %s; want %s: ...%s...", d.Summary, d.Detail, tt.summary, tt.detail)
			}
			// The diagnostic points at its attribute; an absent attribute's
			// at the block header.
			attr := map[string]string{"Invalid url": "url", "Invalid file": "file", "Invalid checksum": "checksum", "Checksum not applicable": "checksum"}[tt.summary]
			wantLine := 7
			for i, l := range strings.Split(tt.attrs, "\n") {
				if attr != "" && strings.HasPrefix(strings.TrimSpace(l), attr+" ") {
					wantLine = 8 + i
				}
			}
			if d.Subject == nil || d.Subject.Start.Line != wantLine {
				t.Errorf("diagnostic at %v, want line %d", d.Subject, wantLine)
			}
		})
	}

	// An unreachable repository validates: validation does not fetch or
	// resolve.
	src := recipeSrc(`
stage "fetch-ks" "ks" {
  url  = "git+https://imgpipe.invalid/nothing.git?ks#main"
  file = "fedora.ks"
}`)
	r, diags := recipe.Parse([]byte(src), filepath.Join(e.dir, "recipe.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, _, diags := planner().Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true}); diags.HasErrors() {
		t.Errorf("planning without resolving: %v", diags)
	}
}

// Git over loopback HTTP (git http-backend behind net/http/cgi), as
// git+http:// and go-getter's git::http://.
func TestGitOverHTTP(t *testing.T) {
	backend, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git not found: run scripts/install-deps")
	}
	r := newRepo(t)
	r.write("ks/fedora.ks", "over http\n")
	sha := r.commit("one")
	srv := httptest.NewServer(&cgi.Handler{
		Path:       backend,
		Args:       []string{"http-backend"},
		Root:       "/git",
		Env:        []string{"GIT_PROJECT_ROOT=" + filepath.Dir(r.dir), "GIT_HTTP_EXPORT_ALL=1"},
		InheritEnv: []string{"PATH", "HOME", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL"},
	})
	defer srv.Close()
	base := strings.TrimPrefix(srv.URL, "http://") + "/git/" + filepath.Base(r.dir)
	for _, url := range []string{"git+http://" + base + "?ks#main", "git::http://" + base + "//ks?ref=main"} {
		t.Run(url, func(t *testing.T) {
			res, out, err := fetch(t, fetchks.Request{URL: url, File: "fedora.ks"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Revision != sha {
				t.Errorf("revision %s, want %s", res.Revision, sha)
			}
			if got := readFile(t, filepath.Join(out, res.Kickstart)); got != "over http\n" {
				t.Errorf("kickstart = %q", got)
			}
		})
	}
}
