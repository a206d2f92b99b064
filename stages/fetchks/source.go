package fetchks

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// Request is one fetch: the stage's attributes, and the directory relative
// paths resolve against (the recipe's).
type Request struct {
	URL      string
	File     string
	Checksum string
	Dir      string
}

// Problem is a mistake in a Request that is known without fetching
// anything. Attr names the attribute it is about.
type Problem struct {
	Attr    string
	Summary string
	Detail  string
}

func (p Problem) Error() string { return p.Attr + ": " + p.Summary + ": " + p.Detail }

type sourceKind int

const (
	kindGit    sourceKind = iota // Koji SCM URL or go-getter git URL
	kindLocal                    // a local file or directory
	kindHTTP                     // a plain http(s) download, maybe an archive
	kindGetter                   // any other go-getter source (s3, gcs, hg)
	// kindShorthand is a go-getter shorthand (git@host:path,
	// git::github.com/org/repo, s3::bucket.s3.amazonaws.com/key) that
	// go-getter's detectors, run by imgpipe-getter, turn into one of the
	// kinds above when the source is resolved or fetched (expand).
	kindShorthand
)

// source is a classified url.
type source struct {
	kind sourceKind
	raw  string
	// git is the repository, for kindGit.
	git SCM
	// path is the absolute local path, for kindLocal.
	path string
	// url is the download URL without subdirectory, for kindHTTP, and the
	// go-getter source (forced getter included) for kindGetter.
	url string
	// subdir is the directory of the fetched tree to keep ("" = all).
	subdir string
	// archive is the decompressor for a kindHTTP download, or "".
	archive string
	// pwd is the directory a kindShorthand's relative path is taken from.
	pwd string
}

var (
	forcedGetter = regexp.MustCompile(`^([A-Za-z0-9]+)::`)
	// scpLike is git's user@host:path form.
	scpLike   = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]`)
	hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
)

// parseSource classifies a url. dir is the directory relative local paths
// resolve against. It touches neither the disk nor the network.
func parseSource(raw, dir string) (*source, error) {
	s := &source{raw: raw}
	switch {
	case strings.TrimSpace(raw) == "":
		return nil, fmt.Errorf("url is empty")
	case raw != strings.TrimSpace(raw):
		return nil, fmt.Errorf("url %q has leading or trailing space", raw)
	case IsKojiSCMURL(raw):
		scm, err := ParseSCMURL(raw)
		if err != nil {
			return nil, err
		}
		s.kind, s.git, s.subdir = kindGit, scm, scm.Subdir
		return s, nil
	case forcedGetter.MatchString(raw) || scpLike.MatchString(raw):
		return parseGetterSource(s, dir)
	case hasScheme.MatchString(raw):
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("bad URL: %w", err)
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			return parseHTTP(s, raw)
		case "file":
			if u.Host != "" && u.Host != "localhost" {
				return nil, fmt.Errorf("file URL %s names a host; write file:///absolute/path", raw)
			}
			if u.RawQuery != "" || u.Fragment != "" {
				return nil, fmt.Errorf("file URL %s has a query or fragment; for a git repository write git+file://%s?subdir#revision", raw, u.Path)
			}
			s.kind, s.path = kindLocal, filepath.Clean(u.Path)
			return s, nil
		default:
			return nil, fmt.Errorf("%s:// URLs are not supported: use a Koji SCM URL (git+https://...), http(s)://, a local path or a go-getter URL (git::, s3::, gcs::, hg::)", u.Scheme)
		}
	default:
		s.kind = kindLocal
		s.path = raw
		if !filepath.IsAbs(raw) && dir != "" {
			s.path = filepath.Join(dir, raw)
		}
		s.path = filepath.Clean(s.path)
		return s, nil
	}
}

// gitHosts are hosts whose go-getter shorthand (github.com/org/repo) is
// easily mistaken for a local path.
var gitHosts = []string{"github.com/", "gitlab.com/", "bitbucket.org/"}

// getterForces are the forced getters imgpipe enables.
var getterForces = []string{"git", "hg", "http", "https", "file", "s3", "gcs"}

func parseGetterSource(s *source, dir string) (*source, error) {
	if force, _ := gogetter.ForcedGetter(s.raw); force != "" && !slices.Contains(getterForces, strings.ToLower(force)) {
		return nil, unsupportedGetter(s.raw)
	}
	if gogetter.NeedsDetect(s.raw) {
		s.kind, s.pwd = kindShorthand, dir
		if s.pwd == "" {
			s.pwd = "/"
		}
		return s, nil
	}
	// A URL go-getter's Detect returns as it is.
	return classifyDetected(s, s.raw)
}

func unsupportedGetter(raw string) error {
	return fmt.Errorf("go-getter source %q is not supported: imgpipe enables the git, hg, http(s), file, s3 and gcs getters", raw)
}

// expand returns the source a go-getter shorthand stands for, as
// go-getter's detectors read it; other sources are returned as they are.
func (s *source) expand(ctx context.Context) (*source, error) {
	if s.kind != kindShorthand {
		return s, nil
	}
	getter, err := getterRunner()
	if err != nil {
		return nil, err
	}
	detected, err := getter.Detect(ctx, s.raw, s.pwd)
	if err != nil {
		return nil, fmt.Errorf("go-getter cannot read %q: %w", s.raw, err)
	}
	return classifyDetected(&source{raw: s.raw}, detected)
}

// classifyDetected classifies a go-getter source with a scheme or a
// forced getter: what go-getter's Detect returned for s.raw.
func classifyDetected(s *source, detected string) (*source, error) {
	force, rest := gogetter.ForcedGetter(detected)
	force = strings.ToLower(force)
	if force == "" {
		if u, err := url.Parse(rest); err == nil {
			force = strings.ToLower(u.Scheme)
		}
	}
	switch force {
	case "git":
		scm, err := ParseSCMURL("git::" + rest)
		if err != nil {
			return nil, err
		}
		s.kind, s.git, s.subdir = kindGit, scm, scm.Subdir
		return s, nil
	case "file":
		src, sub := gogetter.SourceDirSubdir(rest)
		u, err := url.Parse(src)
		if err != nil || u.RawQuery != "" {
			return nil, fmt.Errorf("bad file source %q", s.raw)
		}
		if sub != "" {
			return nil, fmt.Errorf("a local source takes no //subdirectory: name the directory itself")
		}
		s.kind, s.path = kindLocal, filepath.Clean(u.Path)
		return s, nil
	case "http", "https":
		return parseHTTP(s, rest)
	case "s3", "gcs", "hg":
		src, sub := gogetter.SourceDirSubdir(detected)
		var err error
		if s.subdir, err = cleanSubdir(sub); err != nil {
			return nil, err
		}
		if strings.Contains(src, "sshkey=") {
			return nil, fmt.Errorf("sshkey in a URL puts a private key into the recipe and the store")
		}
		s.kind, s.url = kindGetter, src
		return s, nil
	default:
		return nil, unsupportedGetter(s.raw)
	}
}

func parseHTTP(s *source, raw string) (*source, error) {
	src, sub := gogetter.SourceDirSubdir(raw)
	u, err := url.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %s has no host", raw)
	}
	// A password in the URL is a secret: the engine masks it wherever it
	// shows or records the URL (docs/reliability-secrets.md). A git
	// repository's is refused, as Koji refuses it (scm.go).
	if strings.HasSuffix(u.Path, ".git") || strings.HasSuffix(u.Path, ".git/") {
		return nil, fmt.Errorf("%s looks like a git repository, which a plain download cannot fetch: write git+%s#revision (Koji) or git::%s?ref=revision", raw, src, src)
	}
	name := path.Base(u.Path)
	if u.Path == "" || strings.HasSuffix(u.Path, "/") || name == "." || name == "/" {
		return nil, fmt.Errorf("URL %s names a directory; an http(s) source is a file or an archive (.tar.gz, .zip, ...)", raw)
	}
	if s.subdir, err = cleanSubdir(sub); err != nil {
		return nil, err
	}
	q := u.Query()
	archive := ""
	if v := q.Get("archive"); v != "" {
		archive = v
		q.Del("archive")
		u.RawQuery = q.Encode()
		if v == "false" || v == "0" {
			archive = ""
		} else if !slices.Contains(gogetter.Formats, v) {
			return nil, fmt.Errorf("archive=%s is not a format imgpipe unpacks (%s)", v, strings.Join(gogetter.Formats, ", "))
		}
	} else {
		archive = archiveOf(u.Path)
	}
	if q.Has("checksum") {
		return nil, fmt.Errorf("use the checksum attribute rather than ?checksum= in the URL")
	}
	if s.subdir != "" && (archive == "" || gogetter.SingleFile(archive)) {
		return nil, fmt.Errorf("//%s: only an archive has subdirectories", s.subdir)
	}
	s.kind, s.url, s.archive = kindHTTP, u.String(), archive
	return s, nil
}

// archiveOf returns the decompressor for a file name, as go-getter picks
// it: the longest matching extension.
func archiveOf(name string) string {
	best := ""
	for _, k := range gogetter.Formats {
		if strings.HasSuffix(name, "."+k) && len(k) > len(best) {
			best = k
		}
	}
	return best
}

// downloadName is the file name a kindHTTP download gets in the tree:
// the URL's base name, without a single-file compression extension.
func (s *source) downloadName() string {
	u, _ := url.Parse(s.url)
	name := path.Base(u.Path)
	if gogetter.SingleFile(s.archive) {
		name = strings.TrimSuffix(name, "."+s.archive)
	}
	return name
}

// defaultFile is the name of the one file an http(s) download brings when
// it is not a tree archive (a plain file or a lone .gz); file defaults to
// it.
func (s *source) defaultFile() string {
	switch {
	case s.kind == kindHTTP && (s.archive == "" || gogetter.SingleFile(s.archive)):
		return s.downloadName()
	}
	return ""
}

// describe names the source for messages: the url as written.
func (s *source) describe() string { return s.raw }

// Problems checks a Request statically, without the network and without
// reading the source: the url's syntax, the kickstart's path and the
// checksum's form.
func (r Request) Problems() []Problem {
	var probs []Problem
	add := func(attr, summary, format string, args ...any) {
		probs = append(probs, Problem{Attr: attr, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	src, err := parseSource(r.URL, r.Dir)
	if err != nil {
		add("url", "Invalid url", "%s.", strings.TrimSuffix(err.Error(), "."))
	}
	if r.File != "" {
		if err := checkFile(r.File); err != nil {
			add("file", "Invalid file", "%s.", err)
		}
	}
	if r.Checksum != "" {
		if _, _, err := parseChecksum(r.Checksum); err != nil {
			add("checksum", "Invalid checksum", "%s.", err)
		} else if src != nil && !checksumApplies(src) {
			add("checksum", checksumNotApplicable.Summary, "%s", checksumNotApplicable.Detail)
		}
	}
	return probs
}

var checksumNotApplicable = Problem{
	Attr:    "checksum",
	Summary: "Checksum not applicable",
	Detail:  "checksum pins a download (http or https) or a local file; a git source is pinned by a full commit in its revision (#<40 hex digits>).",
}

// checksumApplies reports whether a checksum can pin src. A shorthand
// cannot tell until it is expanded.
func checksumApplies(src *source) bool {
	switch src.kind {
	case kindHTTP, kindLocal, kindShorthand:
		return true
	}
	return false
}

// source returns r's source, a shorthand expanded (which runs
// imgpipe-getter), and checks what only the expanded source tells.
func (r Request) source(ctx context.Context) (*source, error) {
	if probs := r.Problems(); len(probs) > 0 {
		return nil, probs[0]
	}
	src, err := parseSource(r.URL, r.Dir)
	if err != nil {
		return nil, err
	}
	if src, err = src.expand(ctx); err != nil {
		return nil, err
	}
	if r.Checksum != "" && !checksumApplies(src) {
		return nil, checksumNotApplicable
	}
	return src, nil
}

// checkFile checks the kickstart's path: relative, and inside the tree.
func checkFile(f string) error {
	if filepath.IsAbs(f) || strings.HasPrefix(f, "/") {
		return fmt.Errorf("%q is absolute: file is a path inside the fetched tree", f)
	}
	c := path.Clean(f)
	if c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Errorf("%q leaves the fetched tree: file is a path inside it", f)
	}
	if c == "." || strings.HasSuffix(f, "/") {
		return fmt.Errorf("%q names a directory: file is the kickstart file", f)
	}
	return nil
}

// parseChecksum reads "sha256:<hex>" (or sha512).
func parseChecksum(c string) (algo string, sum []byte, err error) {
	algo, h, ok := strings.Cut(c, ":")
	if !ok {
		return "", nil, fmt.Errorf("%q: want \"sha256:<64 hex digits>\"", c)
	}
	algo = strings.ToLower(algo)
	want := map[string]int{"sha256": 32, "sha512": 64}[algo]
	if want == 0 {
		return "", nil, fmt.Errorf("%q: the algorithm must be sha256 or sha512", c)
	}
	sum, err = hex.DecodeString(h)
	if err != nil || len(sum) != want {
		return "", nil, fmt.Errorf("%q: a %s checksum is %d hex digits", c, algo, 2*want)
	}
	return algo, sum, nil
}

// normChecksum returns a checksum in canonical form: lower-case algorithm
// and hex.
func normChecksum(c string) string {
	algo, sum, err := parseChecksum(c)
	if err != nil {
		return c
	}
	return algo + ":" + hex.EncodeToString(sum)
}

// DefaultDir is the directory `imgpipe ks fetch` writes a tree into when
// not told: the repository's name (without .git), as git clone and Koji
// name a checkout; an archive's name without its extension; "." for a
// single file. It is "" for a local directory (its copy needs a name of
// its own) and for other go-getter sources. A go-getter shorthand is
// expanded first (by imgpipe-getter).
func DefaultDir(ctx context.Context, rawURL string) string {
	src, err := parseSource(rawURL, "")
	if err == nil {
		src, err = src.expand(ctx)
	}
	if err != nil {
		// Resolve reports it.
		return "."
	}
	var name string
	switch src.kind {
	case kindGit:
		u, err := url.Parse(src.git.Repo)
		if err != nil {
			return "."
		}
		name = strings.TrimSuffix(path.Base(u.Path), ".git")
	case kindLocal:
		if info, err := os.Stat(src.path); err == nil && info.IsDir() {
			return ""
		}
		return "."
	case kindHTTP:
		if src.defaultFile() != "" {
			return "."
		}
		u, _ := url.Parse(src.url)
		name = strings.TrimSuffix(path.Base(u.Path), "."+src.archive)
	default:
		return ""
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}
