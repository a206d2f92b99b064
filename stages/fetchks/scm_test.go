package fetchks

import (
	"strings"
	"testing"
)

const sha = "b4956c05028a088c641d0ce6e1a31b6d8b20176f"

func TestParseSCMURL(t *testing.T) {
	tests := []struct {
		in     string
		getter string // want GetterURL()
		koji   string // want KojiURL(), when it differs from in
		want   SCM
	}{
		{
			in:     "git+https://host/repo.git?sub#rev",
			getter: "git::https://host/repo.git//sub?ref=rev",
			want:   SCM{Repo: "https://host/repo.git", Subdir: "sub", Ref: "rev"},
		},
		{
			in:     "git+https://pagure.io/fedora-kickstarts.git?#" + sha,
			getter: "git::https://pagure.io/fedora-kickstarts.git?ref=" + sha,
			koji:   "git+https://pagure.io/fedora-kickstarts.git#" + sha,
			want:   SCM{Repo: "https://pagure.io/fedora-kickstarts.git", Ref: sha},
		},
		{
			in:     "git://host/r?a/b/c#origin/f41",
			getter: "git::git://host/r//a/b/c?ref=f41",
			koji:   "git://host/r?a/b/c#f41",
			want:   SCM{Repo: "git://host/r", Subdir: "a/b/c", Ref: "f41"},
		},
		{
			in:     "git+http://host:8080/x/y.git#v1.0",
			getter: "git::http://host:8080/x/y.git?ref=v1.0",
			want:   SCM{Repo: "http://host:8080/x/y.git", Ref: "v1.0"},
		},
		{
			in:     "git+ssh://git@host/org/repo.git?ks/#main",
			getter: "git::ssh://git@host/org/repo.git//ks?ref=main",
			koji:   "git+ssh://git@host/org/repo.git?ks#main",
			want:   SCM{Repo: "ssh://git@host/org/repo.git", Subdir: "ks", Ref: "main"},
		},
		{
			in:     "git+file:///srv/git/ks.git?sub#" + strings.ToUpper(sha),
			getter: "git::file:///srv/git/ks.git//sub?ref=" + sha,
			koji:   "git+file:///srv/git/ks.git?sub#" + sha,
			want:   SCM{Repo: "file:///srv/git/ks.git", Subdir: "sub", Ref: sha},
		},
		{
			// No fragment: Koji refuses it; imgpipe resolves HEAD.
			in:     "git+https://host/repo.git",
			getter: "git::https://host/repo.git",
			want:   SCM{Repo: "https://host/repo.git"},
		},
		{
			// Koji normalises the repository path.
			in:     "git+https://host/a/../repo.git/#x",
			getter: "git::https://host/repo.git?ref=x",
			koji:   "git+https://host/repo.git#x",
			want:   SCM{Repo: "https://host/repo.git", Ref: "x"},
		},
		{
			in:     "GIT+HTTPS://host/r.git#refs/heads/feature/x",
			getter: "git::https://host/r.git?ref=refs%2Fheads%2Ffeature%2Fx",
			koji:   "git+https://host/r.git#refs/heads/feature/x",
			want:   SCM{Repo: "https://host/r.git", Ref: "refs/heads/feature/x"},
		},
		// go-getter's syntax.
		{
			in:     "git::https://host/repo.git//sub?ref=rev",
			getter: "git::https://host/repo.git//sub?ref=rev",
			koji:   "git+https://host/repo.git?sub#rev",
			want:   SCM{Repo: "https://host/repo.git", Subdir: "sub", Ref: "rev"},
		},
		{
			in:     "git::https://host/repo.git?depth=1&ref=main",
			getter: "git::https://host/repo.git?ref=main&depth=1",
			koji:   "git+https://host/repo.git#main",
			want:   SCM{Repo: "https://host/repo.git", Ref: "main", Depth: 1},
		},
		{
			in:     "git::ssh://git@host/r.git?ref=origin/main",
			getter: "git::ssh://git@host/r.git?ref=main",
			koji:   "git+ssh://git@host/r.git#main",
			want:   SCM{Repo: "ssh://git@host/r.git", Ref: "main"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSCMURL(tt.in)
			if err != nil {
				t.Fatalf("ParseSCMURL: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseSCMURL = %+v, want %+v", got, tt.want)
			}
			if g := got.GetterURL(); g != tt.getter {
				t.Errorf("GetterURL = %s, want %s", g, tt.getter)
			}
			koji := tt.koji
			if koji == "" {
				koji = tt.in
			}
			if k := got.KojiURL(); k != koji {
				t.Errorf("KojiURL = %s, want %s", k, koji)
			}
		})
	}
}

func TestParseSCMURLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"svn+https://host/repo?trunk#123", "not supported"},
		{"git+rsync://host/repo#x", "not supported"},
		{"cvs://host/repo#x", "not supported"},
		{"hg+https://host/repo#x", "not an SCM scheme"},
		{"git+https://user:secret@host/repo.git#x", "password"},
		{"git+ssh://-oProxyCommand=x/r.git#main", "ssh option"},
		{"git+ssh://-o@host/r.git#main", "ssh option"},
		{"git+https://host/repo.git?../etc#x", `contains ".."`},
		{"git+https://host/repo.git?a/../../b#x", `contains ".."`},
		{"git::https://host/repo.git//../x?ref=y", `contains ".."`},
		{"git+https://host/repo.git?/etc#x", "absolute"},
		{"git+https://host/repo.git?a*#x", "characters"},
		{"git+https://host/repo.git#-uhoh", `starts with "-"`},
		{"git+https://host/repo.git#a..b", "not a valid"},
		{"git+https://host/repo.git#a b", "characters"},
		{"git+https://host/repo.git#origin/", ""}, // empty after origin/: HEAD
		{"git+https:///repo.git#x", "no host"},
		{"git+https://host#x", "names no repository"},
		{"git+https://host/#x", "names no repository"},
		{"git+file://host/srv/r.git#x", "no host"},
		{"git::https://host/repo.git?ref=" + sha + "&depth=1", "depth=1 cannot be combined"},
		{"git::https://host/repo.git?ref=abc1234&depth=1", "cannot be combined"},
		{"git::https://host/repo.git?depth=x", "not a non-negative"},
		{"git::https://host/repo.git?sshkey=AAAA", "private key"},
		{"git::https://host/repo.git?foo=1", "unknown git URL parameter"},
		{"git::https://host/repo.git#main", "?ref="},
		{"git::ext::sh -c touch% /tmp/x", "not supported"},
		{"git::s3://bucket/x", "not supported"},
		{"https://host/repo.git", "not an SCM scheme"},
		{"/srv/repo.git", "not an SCM URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSCMURL(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseSCMURL: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseSCMURL = %+v, want an error containing %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParseSCMURL(f *testing.F) {
	for _, s := range []string{
		"git+https://host/repo.git?sub#rev",
		"git://host/r?a/b/c#origin/f41",
		"git+ssh://git@host:22/org/repo.git?ks/#main",
		"git+file:///srv/git/ks.git?sub#" + sha,
		"git::https://host/repo.git//sub?ref=rev&depth=3",
		"git::file:///p/r.git?ref=" + sha,
		"git+https://h/a%20b.git#x",
		"git+https://[::1]:8443/r.git#x",
		"git+http://u@h/p?#",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSCMURL(in)
		if err != nil {
			return
		}
		if s.Repo == "" {
			t.Fatalf("%q: parsed without a repository", in)
		}
		if strings.Contains(s.Subdir, "..") && containsDotDot(s.Subdir) {
			t.Fatalf("%q: subdir %q has ..", in, s.Subdir)
		}
		if s.Depth > 0 && commitish.MatchString(s.Ref) {
			t.Fatalf("%q: depth with a commit", in)
		}
		g := s.GetterURL()
		s2, err := ParseSCMURL(g)
		if err != nil {
			t.Fatalf("%q: GetterURL %q does not parse: %v", in, g, err)
		}
		if s2 != s {
			t.Fatalf("%q: GetterURL %q parses to %+v, want %+v", in, g, s2, s)
		}
		k := s.KojiURL()
		s3, err := ParseSCMURL(k)
		if err != nil {
			t.Fatalf("%q: KojiURL %q does not parse: %v", in, k, err)
		}
		s.Depth = 0 // Koji's syntax has none
		if s3 != s {
			t.Fatalf("%q: KojiURL %q parses to %+v, want %+v", in, k, s3, s)
		}
	})
}

func containsDotDot(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return true
		}
	}
	return false
}
