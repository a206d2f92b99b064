package fetchks

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// SCM is a git source: a repository, a directory inside it and a revision.
// ParseSCMURL reads Koji's SCM syntax and go-getter's git syntax into it;
// GetterURL and KojiURL write it back.
type SCM struct {
	// Repo is the repository's URL as git takes it: https://, http://,
	// ssh://, git:// or file://, without user password, query or fragment.
	Repo string
	// Subdir is the directory inside the repository that holds the tree
	// (Koji's ?module), slash-separated and relative; "" is the whole
	// repository.
	Subdir string
	// Ref is the revision as written, without Koji's leading "origin/": a
	// full or abbreviated commit, a branch, a tag, or "" for the remote's
	// default branch (HEAD).
	Ref string
	// Depth is go-getter's shallow-clone depth; 0 is a full clone. Koji's
	// syntax has none.
	Depth int
}

// kojiSchemes maps Koji's git SCM schemes to the scheme git uses on the wire.
var kojiSchemes = map[string]string{
	"git":       "git",
	"git+http":  "http",
	"git+https": "https",
	"git+ssh":   "ssh",
	"git+file":  "file",
}

// otherKojiSchemes are SCM schemes Koji knows and imgpipe does not fetch.
var otherKojiSchemes = []string{"git+rsync", "svn", "svn+http", "svn+https", "svn+ssh", "cvs", "cvs+ssh"}

var (
	fullSHA   = regexp.MustCompile(`^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)
	commitish = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	refChars  = regexp.MustCompile(`^[A-Za-z0-9._/+@,-]+$`)
	dirChars  = regexp.MustCompile(`^[A-Za-z0-9._+@,~-]+$`)
)

// IsKojiSCMURL reports whether s uses one of Koji's SCM schemes (git or
// not), so that ParseSCMURL, not a local path or plain download, applies.
func IsKojiSCMURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	if _, ok := kojiSchemes[scheme]; ok {
		return true
	}
	for _, o := range otherKojiSchemes {
		if scheme == o {
			return true
		}
	}
	return false
}

// ParseSCMURL parses a git source written in Koji's SCM syntax,
//
//	git+https://host/repo.git?sub/dir#rev   (also git://, git+http://, git+ssh://, git+file://)
//
// or go-getter's,
//
//	git::https://host/repo.git//sub/dir?ref=rev&depth=N
//
// It is a pure function: it touches neither the network nor the disk.
// go-getter's shorthands (git@host:path, github.com/...) must be expanded
// with getter.Detect first. It refuses what imgpipe cannot fetch safely or
// reproducibly: a password in the URL, ".." or an absolute path in the
// subdirectory, a revision git would read as an option, depth together with
// a commit (a shallow clone can only start from a branch or tag), and
// query parameters it does not know (go-getter's sshkey among them: a
// private key does not belong in a recipe).
func ParseSCMURL(s string) (SCM, error) {
	if rest, ok := strings.CutPrefix(s, "git::"); ok {
		return parseGetterGit(rest)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return SCM{}, fmt.Errorf("%q is not an SCM URL: want git+https://host/repo.git?subdir#revision or git::https://host/repo.git//subdir?ref=revision", s)
	}
	lower := strings.ToLower(scheme)
	wire, ok := kojiSchemes[lower]
	if !ok {
		for _, o := range otherKojiSchemes {
			if lower == o {
				return SCM{}, fmt.Errorf("SCM scheme %s:// is not supported: imgpipe fetches git (git://, git+https://, git+http://, git+ssh://, git+file://)", scheme)
			}
		}
		return SCM{}, fmt.Errorf("%s:// is not an SCM scheme: use git://, git+https://, git+http://, git+ssh:// or git+file://", scheme)
	}
	// Koji splits the fragment (revision) first, then the query (module).
	rest, rev, _ := strings.Cut(rest, "#")
	rest, module, _ := strings.Cut(rest, "?")
	repo, err := parseRepo(wire + "://" + rest)
	if err != nil {
		return SCM{}, err
	}
	sub, err := cleanSubdir(module)
	if err != nil {
		return SCM{}, err
	}
	ref, err := cleanRef(rev)
	if err != nil {
		return SCM{}, err
	}
	return SCM{Repo: repo, Subdir: sub, Ref: ref}, nil
}

func parseGetterGit(rest string) (SCM, error) {
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		return SCM{}, fmt.Errorf("a go-getter git URL takes its revision as ?ref=, not #%s", rest[i+1:])
	}
	src, sub := gogetter.SourceDirSubdir(rest)
	base, rawQuery, _ := strings.Cut(src, "?")
	repo, err := parseRepo(base)
	if err != nil {
		return SCM{}, err
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return SCM{}, fmt.Errorf("bad query in git URL: %w", err)
	}
	var s SCM
	s.Repo = repo
	if s.Subdir, err = cleanSubdir(sub); err != nil {
		return SCM{}, err
	}
	for k, vs := range q {
		if len(vs) != 1 {
			return SCM{}, fmt.Errorf("git URL parameter %s is given %d times", k, len(vs))
		}
		v := vs[0]
		switch k {
		case "ref":
			if s.Ref, err = cleanRef(v); err != nil {
				return SCM{}, err
			}
		case "depth":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return SCM{}, fmt.Errorf("depth=%q is not a non-negative number", v)
			}
			s.Depth = n
		case "sshkey":
			return SCM{}, errors.New("sshkey in a git URL puts a private key into the recipe and the store; use ssh-agent or ~/.ssh/config instead")
		default:
			return SCM{}, fmt.Errorf("unknown git URL parameter %q: imgpipe knows ref and depth", k)
		}
	}
	if s.Depth > 0 && commitish.MatchString(s.Ref) {
		return SCM{}, fmt.Errorf("depth=%d cannot be combined with the commit %s: a shallow clone starts from a branch or tag; drop depth", s.Depth, s.Ref)
	}
	return s, nil
}

// parseRepo checks a repository URL and returns it in canonical form.
func parseRepo(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bad repository URL: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "https", "http", "ssh", "git":
		if u.Host == "" {
			return "", fmt.Errorf("repository URL %s has no host", redact(u))
		}
	case "file":
		if u.Host != "" {
			return "", fmt.Errorf("a file repository URL has no host: write git+file:///absolute/path (or git::file:///absolute/path), not %s", redact(u))
		}
	case "":
		return "", fmt.Errorf("repository URL %q has no scheme", raw)
	default:
		return "", fmt.Errorf("git over %s:// is not supported: use https, http, ssh, git or file", u.Scheme)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("repository URL %q has no path", raw)
	}
	if _, hasPass := u.User.Password(); hasPass {
		return "", fmt.Errorf("a password in the repository URL is refused (as Koji does): it would end up in the plan and the store; use a credential helper or ssh")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", fmt.Errorf("repository URL %s has a query, which imgpipe cannot pass to git", redact(u))
	}
	if u.Fragment != "" {
		return "", fmt.Errorf("repository URL %s has a fragment", redact(u))
	}
	p := path.Clean("/" + u.Path)
	if p == "/" {
		return "", fmt.Errorf("repository URL %s names no repository", redact(u))
	}
	if u.User != nil && u.User.Username() == "" {
		u.User = nil
	}
	if strings.HasPrefix(u.Host, "-") || strings.HasPrefix(u.User.Username(), "-") {
		return "", fmt.Errorf("repository URL %s: a host or user starting with \"-\" would be read as an ssh option", redact(u))
	}
	if strings.ContainsAny(u.Host, " \t\n\r") {
		return "", fmt.Errorf("bad host %q in repository URL", u.Host)
	}
	out := &url.URL{Scheme: scheme, User: u.User, Host: u.Host, Path: p}
	return out.String(), nil
}

// cleanSubdir checks the directory inside the repository. It must stay
// inside the checkout: no "..", no absolute path, and no glob characters
// (go-getter expands them).
func cleanSubdir(s string) (string, error) {
	s = strings.TrimRight(s, "/")
	if s == "" {
		return "", nil
	}
	if strings.HasPrefix(s, "/") {
		return "", fmt.Errorf("subdirectory %q is absolute: it must be a path inside the repository", s)
	}
	for _, c := range strings.Split(s, "/") {
		switch {
		case c == "..":
			return "", fmt.Errorf("subdirectory %q contains \"..\": it must stay inside the repository", s)
		case c == "" || c == ".":
			return "", fmt.Errorf("subdirectory %q has an empty or \".\" component", s)
		case !dirChars.MatchString(c):
			return "", fmt.Errorf("subdirectory %q has characters imgpipe does not accept (letters, digits and . _ + @ , ~ - only)", s)
		}
	}
	return s, nil
}

// cleanRef checks a revision and strips Koji's leading "origin/".
func cleanRef(s string) (string, error) {
	s = strings.TrimPrefix(s, "origin/")
	if s == "" {
		return "", nil
	}
	switch {
	case !refChars.MatchString(s):
		return "", fmt.Errorf("revision %q has characters imgpipe does not accept (letters, digits and . _ / + @ , - only)", s)
	case strings.HasPrefix(s, "-"):
		return "", fmt.Errorf("revision %q starts with \"-\", which git would read as an option", s)
	case strings.HasPrefix(s, "/"), strings.HasSuffix(s, "/"), strings.HasSuffix(s, "."),
		strings.Contains(s, ".."), strings.Contains(s, "//"), strings.Contains(s, "/."), strings.HasSuffix(s, ".lock"):
		return "", fmt.Errorf("revision %q is not a valid git branch, tag or commit", s)
	}
	if fullSHA.MatchString(s) {
		s = strings.ToLower(s)
	}
	return s, nil
}

// Pinned reports whether Ref is a full commit id (40 hex digits, or 64 in
// a SHA-256 repository): the only revision that cannot move.
func (s SCM) Pinned() bool { return fullSHA.MatchString(s.Ref) }

// GetterURL returns the source in go-getter's syntax:
// git::https://host/repo.git//sub?ref=rev&depth=N.
func (s SCM) GetterURL() string {
	var b strings.Builder
	b.WriteString("git::")
	b.WriteString(s.Repo)
	if s.Subdir != "" {
		b.WriteString("//")
		b.WriteString(s.Subdir)
	}
	sep := "?"
	if s.Ref != "" {
		b.WriteString(sep + "ref=" + url.QueryEscape(s.Ref))
		sep = "&"
	}
	if s.Depth > 0 {
		b.WriteString(sep + "depth=" + strconv.Itoa(s.Depth))
	}
	return b.String()
}

// KojiURL returns the source in Koji's SCM syntax,
// git+https://host/repo.git?sub#rev. Koji has no depth; it is dropped.
func (s SCM) KojiURL() string {
	scheme, rest, _ := strings.Cut(s.Repo, "://")
	if scheme != "git" {
		scheme = "git+" + scheme
	}
	out := scheme + "://" + rest
	if s.Subdir != "" {
		out += "?" + s.Subdir
	}
	if s.Ref != "" {
		out += "#" + s.Ref
	}
	return out
}

// redact writes a URL without its password.
func redact(u *url.URL) string { return u.Redacted() }
