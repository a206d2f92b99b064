package fetchks

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// Resolution is what Resolve pinned a source to.
type Resolution struct {
	// Revision identifies the content to fetch, and goes into the stage
	// ID: a full commit for git; "sha256:<hex>" (a content digest) for a
	// local path or another go-getter source; for http(s) the checksum,
	// else "etag:<value>" or "last-modified:<date>".
	Revision string
	// Warnings say why the recipe is not reproducible, when it is not.
	Warnings []string
}

// Resolve pins a Request's source without fetching its content where it
// can:
//
//   - git: a full commit is returned as it is, without touching the
//     network (so a pinned recipe runs from the cache with its origin
//     gone); a branch, tag or HEAD is looked up with git ls-remote; an
//     abbreviated commit, which ls-remote cannot expand, costs a bare,
//     blob-less clone into a temporary directory.
//   - a local file or directory: the content digest of the tree.
//   - http(s): the checksum attribute when set (nothing is fetched);
//     otherwise the ETag or Last-Modified of a HEAD request; a server
//     that sends neither leaves no choice but to download the file and
//     hash it.
//   - other go-getter sources (s3::, gcs::, hg::): downloaded into a
//     temporary directory and hashed; go-getter has no cheaper way.
//
// Anything but a full commit or a checksum comes with a warning that the
// recipe is not reproducible. A local path inside the recipe's directory
// is pinned by its content like exec's inputs and gets none.
func Resolve(ctx context.Context, r Request) (Resolution, error) {
	src, err := r.source(ctx)
	if err != nil {
		return Resolution{}, err
	}
	switch src.kind {
	case kindGit:
		return resolveGit(ctx, src)
	case kindLocal:
		return resolveLocal(src, r)
	case kindHTTP:
		return resolveHTTP(ctx, src, r)
	default:
		return resolveGetter(ctx, src, r)
	}
}

// gitEnv is the environment of the git commands fetch-ks runs itself: no
// prompt for credentials on the terminal, and ssh in batch mode, so an
// unreachable or private repository fails instead of hanging a build.
func gitEnv() []string {
	env := append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GCM_INTERACTIVE=never")
	if os.Getenv("GIT_SSH_COMMAND") == "" && os.Getenv("GIT_SSH") == "" {
		env = append(env, "GIT_SSH_COMMAND=ssh -o BatchMode=yes")
	}
	// git over http(s) gives up, as a download does, when the server sends
	// (nearly) nothing for the idle timeout: under 1 byte/s for that long.
	// A bad variable is reported by the download that reads it.
	if l, err := download.FromEnv(); err == nil && l.Idle > 0 && os.Getenv("GIT_HTTP_LOW_SPEED_TIME") == "" {
		secs := int((l.Idle + time.Second - 1) / time.Second)
		env = append(env, "GIT_HTTP_LOW_SPEED_LIMIT=1", fmt.Sprintf("GIT_HTTP_LOW_SPEED_TIME=%d", secs))
	}
	return env
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "protocol.ext.allow=never"}, args...)...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Cancellation kills git's whole process group: killing git alone
	// left its git-remote-http running, holding the output pipes, and
	// Run waiting for them for good.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("git %s: %w", args[0], context.Cause(ctx))
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], slowHint(msg))
	}
	return stdout.String(), nil
}

// slowHint adds to git's message about a server too slow (curl's low
// speed limit, which gitEnv sets from the download idle timeout) the
// variable that changes it.
func slowHint(msg string) string {
	if strings.Contains(msg, "Operation too slow") {
		msg += fmt.Sprintf(" (git over http(s) gives up after the download idle timeout; set %s to wait longer, e.g. %s=5m)", download.EnvIdle, download.EnvIdle)
	}
	return msg
}

func resolveGit(ctx context.Context, src *source) (Resolution, error) {
	scm := src.git
	if scm.Pinned() {
		return Resolution{Revision: scm.Ref}, nil
	}
	sha, how, err := lsRemote(ctx, scm)
	if err != nil {
		return Resolution{}, err
	}
	pinned := scm
	pinned.Ref, pinned.Depth = sha, 0
	suggestion := pinned.GetterURL()
	if IsKojiSCMURL(src.raw) {
		suggestion = pinned.KojiURL()
	}
	return Resolution{
		Revision: sha,
		Warnings: []string{fmt.Sprintf("%s resolved to commit %s. The recipe is not reproducible: only a full commit pins a git source, and a later run may fetch another one. To pin it, write url = %q.", how, sha, suggestion)},
	}, nil
}

// lsRemote resolves a git revision to a full commit, as `git fetch origin
// <rev>` would: HEAD, refs/<rev>, refs/tags/<rev> (peeled), refs/heads/<rev>.
func lsRemote(ctx context.Context, scm SCM) (sha, how string, err error) {
	ref := scm.Ref
	if ref == "" || ref == "HEAD" {
		ref = "HEAD"
		how = "No revision is given (no #fragment): the remote's default branch (HEAD)"
	}
	out, err := git(ctx, "", "ls-remote", "--", scm.Repo, ref, ref+"^{}")
	if err != nil {
		return "", "", fmt.Errorf("cannot resolve %s in %s: %w", ref, scm.Repo, err)
	}
	refs := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if id, name, ok := strings.Cut(sc.Text(), "\t"); ok {
			refs[name] = strings.ToLower(id)
		}
	}
	var candidates []string
	if strings.HasPrefix(ref, "refs/") || ref == "HEAD" {
		candidates = []string{ref}
	} else {
		candidates = []string{"refs/" + ref, "refs/tags/" + ref, "refs/heads/" + ref}
	}
	for _, c := range candidates {
		for _, name := range []string{c + "^{}", c} {
			if id, ok := refs[name]; ok && fullSHA.MatchString(id) {
				if how == "" {
					kind := "Revision"
					switch {
					case strings.HasPrefix(name, "refs/heads/"):
						kind = "Branch"
					case strings.HasPrefix(name, "refs/tags/"):
						kind = "Tag"
					}
					how = fmt.Sprintf("%s %q", kind, scm.Ref)
				}
				return id, how, nil
			}
		}
	}
	if commitish.MatchString(ref) {
		id, err := expandCommit(ctx, scm.Repo, ref)
		if err != nil {
			return "", "", err
		}
		return id, fmt.Sprintf("The abbreviated commit %q", ref), nil
	}
	return "", "", fmt.Errorf("%s has no branch or tag %q", scm.Repo, ref)
}

// expandCommit turns an abbreviated commit into a full one. The protocol
// cannot do it, so it clones the repository without blobs or a work tree
// into a temporary directory: the one case where resolving downloads.
func expandCommit(ctx context.Context, repo, short string) (string, error) {
	tmp, err := os.MkdirTemp("", "imgpipe-fetch-ks-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if _, err := git(ctx, "", "clone", "--quiet", "--bare", "--filter=blob:none", "--", repo, filepath.Join(tmp, "r.git")); err != nil {
		return "", fmt.Errorf("cannot resolve the abbreviated commit %s in %s: %w", short, repo, err)
	}
	out, err := git(ctx, filepath.Join(tmp, "r.git"), "rev-parse", "--verify", "--quiet", "--end-of-options", short+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%s has no branch, tag or commit %q", repo, short)
	}
	id := strings.TrimSpace(out)
	if !fullSHA.MatchString(id) {
		return "", fmt.Errorf("%s: %q did not resolve to a commit", repo, short)
	}
	return strings.ToLower(id), nil
}

func resolveLocal(src *source, r Request) (Resolution, error) {
	p, info, err := statLocal(src, r.Dir)
	if err != nil {
		return Resolution{}, err
	}
	var res Resolution
	if info.IsDir() {
		if r.Checksum != "" {
			return Resolution{}, fmt.Errorf("%s is a directory: checksum pins a single file", src.raw)
		}
		res.Revision, err = treeDigest(p)
	} else {
		res.Revision, err = fileDigest(p, filepath.Base(src.path))
	}
	if err != nil {
		return Resolution{}, fmt.Errorf("hash %s: %w", src.raw, err)
	}
	if r.Dir != "" {
		if rel, err := filepath.Rel(r.Dir, src.path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s is outside the recipe's directory: its content (%s) is part of the stage ID, but the recipe does not carry it, so the recipe is not reproducible elsewhere.", src.path, res.Revision))
		}
	}
	return res, nil
}

// statLocal follows the local path (a symlink named by url is followed;
// symlinks inside a tree are not) and stats it. A path inside the
// recipe's directory (the current one for ks fetch) must stay inside it
// once its symlinks are followed: a kickstart in a recipe's repository
// that is a link to /etc/shadow is refused, not copied into the store.
func statLocal(src *source, recipeDir string) (string, fs.FileInfo, error) {
	p, err := filepath.EvalSymlinks(src.path)
	if err != nil {
		hint := ""
		for _, h := range gitHosts {
			if strings.HasPrefix(src.raw, h) {
				hint = fmt.Sprintf(" For a repository, write git::https://%s (or Koji's git+https://%s.git#revision).", src.raw, src.raw)
			}
		}
		return "", nil, fmt.Errorf("cannot read the local path %s: %w.%s", src.path, unwrapPath(err), hint)
	}
	if recipeDir != "" && within(recipeDir, src.path) {
		if real, err := filepath.EvalSymlinks(recipeDir); err == nil && !within(real, p) {
			return "", nil, &escapeError{fmt.Sprintf("%s leads through a symlink to %s, outside %s, the directory it is read from; fetch-ks refuses a local url that leaves its directory through a symlink: name the target itself", src.raw, p, recipeDir)}
		}
	}
	info, err := os.Stat(p)
	if err != nil {
		return "", nil, err
	}
	if !info.IsDir() && !info.Mode().IsRegular() {
		return "", nil, fmt.Errorf("%s is neither a file nor a directory", src.path)
	}
	return p, info, nil
}

// within reports whether the path p is dir or lies under it, lexically.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func resolveHTTP(ctx context.Context, src *source, r Request) (Resolution, error) {
	if r.Checksum != "" {
		return Resolution{Revision: normChecksum(r.Checksum)}, nil
	}
	client, err := httpClient()
	if err != nil {
		return Resolution{}, err
	}
	resp, err := head(ctx, client, src.url)
	if err != nil {
		return Resolution{}, err
	}
	const advice = "The recipe is not reproducible: a server can change the file behind a URL. To pin it, add checksum = \"sha256:<hex>\" (the run logs the value)."
	if etag := resp.Header.Get("ETag"); etag != "" {
		return Resolution{
			Revision: "etag:" + etag,
			Warnings: []string{fmt.Sprintf("%s has no checksum; it was resolved by its ETag %s, so a changed file reruns the stage. %s", src.url, etag, advice)},
		}, nil
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		return Resolution{
			Revision: "last-modified:" + lm,
			Warnings: []string{fmt.Sprintf("%s has no checksum; it was resolved by its Last-Modified date (%s), so a changed file reruns the stage. %s", src.url, lm, advice)},
		}, nil
	}
	// Neither validator: only the content tells a change apart.
	sum, err := downloadSum(ctx, client, src.url)
	if err != nil {
		return Resolution{}, err
	}
	rev := "sha256:" + sum
	return Resolution{
		Revision: rev,
		Warnings: []string{fmt.Sprintf("%s has no checksum, and the server sends neither ETag nor Last-Modified, so it was downloaded to resolve it (%s). The recipe is not reproducible: to pin it, add checksum = %q.", src.url, rev, rev)},
	}, nil
}

// head asks for a URL's headers: HEAD, or a GET whose body is not read
// when the server refuses HEAD.
func head(ctx context.Context, client *http.Client, u string) (*http.Response, error) {
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", u, err)
		}
		resp.Body.Close()
		if method == http.MethodHead && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, fmt.Errorf("resolve %s: %s", u, resp.Status)
		}
		return resp, nil
	}
	panic("unreachable")
}

func downloadSum(ctx context.Context, client *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("resolve %s: %s", u, resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", u, err)
	}
	if n > maxDownload {
		return "", fmt.Errorf("%s is larger than %d MiB", u, maxDownload>>20)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func resolveGetter(ctx context.Context, src *source, r Request) (Resolution, error) {
	tmp, err := os.MkdirTemp("", "imgpipe-fetch-ks-")
	if err != nil {
		return Resolution{}, err
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "root")
	getter, err := getterRunner()
	if err != nil {
		return Resolution{}, err
	}
	if err := getter.Get(ctx, src.url, root, r.Dir, gogetter.ModeAny, true); err != nil {
		return Resolution{}, fmt.Errorf("fetch %s to resolve it: %w", src.raw, err)
	}
	rev, err := treeDigest(root)
	if err != nil {
		return Resolution{}, err
	}
	return Resolution{
		Revision: rev,
		Warnings: []string{fmt.Sprintf("%s cannot be pinned without downloading it; it was downloaded and hashed (%s). The recipe is not reproducible: the source can change behind the URL, and a run fails if it changed since planning.", src.raw, rev)},
	}, nil
}
