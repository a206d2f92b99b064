package gogetter

import (
	"net/url"
	"regexp"
	"strings"
)

// Formats are the archive formats go-getter v1 unpacks, by file extension
// or ?archive=, longest match first when extensions overlap (tar.gz before
// gz). Package helper's tests check them against go-getter's own list.
var Formats = []string{
	"bz2", "gz", "tar", "tar.bz2", "tar.gz", "tar.xz", "tar.zst",
	"tbz2", "tgz", "txz", "tzst", "xz", "zip", "zst",
}

// SingleFile reports whether an archive format holds one file (a lone
// .gz) rather than a tree.
func SingleFile(format string) bool {
	switch format {
	case "gz", "bz2", "xz", "zst":
		return true
	}
	return false
}

// SourceDirSubdir splits go-getter's "//subdir" off a source, as
// go-getter's function of that name: the first "//" after the scheme's
// "://" and before the query starts the subdirectory, and the query stays
// with the source.
func SourceDirSubdir(src string) (source, subdir string) {
	base, query, hasQuery := strings.Cut(src, "?")
	start := 0
	if i := strings.Index(base, "://"); i >= 0 {
		start = i + len("://")
	}
	i := strings.Index(base[start:], "//")
	if i < 0 {
		return src, ""
	}
	source, subdir = base[:start+i], base[start+i+len("//"):]
	if hasQuery {
		source += "?" + query
	}
	return source, subdir
}

var forced = regexp.MustCompile(`^([A-Za-z0-9]+)::(.+)$`)

// ForcedGetter splits a forced getter ("git::", "s3::") off a source, as
// go-getter does; force is "" when there is none.
func ForcedGetter(src string) (force, rest string) {
	if m := forced.FindStringSubmatch(src); m != nil {
		return m[1], m[2]
	}
	return "", src
}

// NeedsDetect reports whether go-getter's Detect would change src: only
// when, forced getter and subdirectory set aside, it is not a URL with a
// scheme (a shorthand such as git@host:path or github.com/org/repo).
// Otherwise Detect returns src as it is, and imgpipe needs no helper to
// know it.
func NeedsDetect(src string) bool {
	_, rest := ForcedGetter(src)
	rest, _ = SourceDirSubdir(rest)
	u, err := url.Parse(rest)
	return err != nil || u.Scheme == ""
}
