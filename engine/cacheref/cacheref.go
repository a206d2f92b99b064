package cacheref

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is a cache's place: a registry and a repository in it.
type Ref struct {
	Host string // host[:port]
	Repo string // path/of/repo
}

func (r Ref) String() string { return "oci://" + r.Host + "/" + r.Repo }

var (
	hostPattern = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)
	// A repository's path components, as the OCI distribution spec
	// writes them.
	componentPattern = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)
)

// ParseRef reads a cache's reference, host[:port]/repo, with or without
// oci:// before it. It names a repository, not a tag: the cache tags each
// entry by stage ID and content key.
func ParseRef(s string) (Ref, error) {
	rest, _ := strings.CutPrefix(s, "oci://")
	if strings.Contains(rest, "://") {
		return Ref{}, fmt.Errorf("%q: a cache is oci://host[:port]/repo, or host[:port]/repo", s)
	}
	host, repo, ok := strings.Cut(rest, "/")
	if !ok || repo == "" {
		return Ref{}, fmt.Errorf("%q names no repository: write host[:port]/repo, such as registry.example.com/team/imgpipe-cache", s)
	}
	if !hostPattern.MatchString(host) {
		return Ref{}, fmt.Errorf("%q: %q is not a registry host[:port]", s, host)
	}
	if i := strings.IndexAny(repo, ":@"); i >= 0 {
		return Ref{}, fmt.Errorf("%q: a cache names a repository without a tag or digest (%q); imgpipe tags each entry by stage ID", s, repo[i:])
	}
	if len(host)+1+len(repo) > 255 {
		return Ref{}, fmt.Errorf("%q: a repository name is at most 255 characters", s)
	}
	for _, c := range strings.Split(repo, "/") {
		if !componentPattern.MatchString(c) {
			return Ref{}, fmt.Errorf("%q: repository component %q must be lower-case letters and digits, separated by '.', '_', '__' or dashes", s, c)
		}
	}
	return Ref{Host: host, Repo: repo}, nil
}
