package fetchks

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/imgpipe/imgpipe/internal/gogetter"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// Result is what Fetch wrote. Tree and Kickstart are relative to the output
// directory; without a kickstart (a tree fetched without file), Kickstart
// is Tree.
type Result struct {
	Tree      string
	Kickstart string
	// Revision is what was fetched: the full commit for git, the download's
	// checksum for http(s), the tree's content digest otherwise.
	Revision string
}

// Fetch fetches exactly the resolved source (Resolution.Revision, from
// Resolve) into outDir/tree and checks that the kickstart is there. It
// also writes outDir/revision (the revision, one line) and
// outDir/source.json (url, file, revision). scratch is a directory for
// temporary files; log receives progress lines.
//
// Everything that leaves the tree is refused: a symlink pointing out of
// it, a subdirectory that is a symlink, a kickstart path that escapes.
func Fetch(ctx context.Context, r Request, resolved, outDir, scratch string, log io.Writer) (Result, error) {
	src, err := r.source(ctx)
	if err != nil {
		return Result{}, err
	}
	if log == nil {
		log = io.Discard
	}
	work, err := os.MkdirTemp(scratch, "fetch-ks-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(work)
	tree := filepath.Join(outDir, "tree")
	var rev string
	switch src.kind {
	case kindGit:
		rev, err = fetchGit(ctx, src, r, resolved, work, tree, log)
	case kindLocal:
		rev, err = fetchLocal(src, r, resolved, outDir, tree, log)
	case kindHTTP:
		rev, err = fetchHTTP(ctx, src, r, resolved, work, tree, log)
	default:
		rev, err = fetchGetter(ctx, src, r, resolved, work, tree, log)
	}
	if err != nil {
		return Result{}, err
	}
	// Without file, a single file (a download, a local file) is the
	// kickstart; a tree has none, and kickstart is the tree itself (Koji's
	// lorax_url checkout is such a tree).
	file := r.File
	if file == "" {
		file = src.defaultFile()
	}
	if file == "" && src.kind == kindLocal {
		if info, err := os.Stat(src.path); err == nil && !info.IsDir() {
			file = filepath.Base(src.path)
		}
	}
	kickstart := "tree"
	if file != "" {
		file = path.Clean(file)
		if err := checkKickstart(tree, file, src, rev); err != nil {
			return Result{}, err
		}
		kickstart = "tree/" + file
	}
	if err := os.WriteFile(filepath.Join(outDir, "revision"), []byte(rev+"\n"), 0o644); err != nil {
		return Result{}, err
	}
	meta, _ := json.MarshalIndent(map[string]string{
		"url":      secret.MaskURL(r.URL), // a record: no credentials
		"file":     file,
		"revision": rev,
		"resolved": resolved,
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(outDir, "source.json"), append(meta, '\n'), 0o644); err != nil {
		return Result{}, err
	}
	return Result{Tree: "tree", Kickstart: kickstart, Revision: rev}, nil
}

// checkKickstart checks that file is a regular file inside tree, reached
// without leaving it, and names the nearest files when it is not there.
func checkKickstart(tree, file string, src *source, rev string) error {
	root, err := os.OpenRoot(tree)
	if err != nil {
		return err
	}
	defer root.Close()
	info, err := root.Stat(filepath.FromSlash(file))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		names := files(tree)
		msg := fmt.Sprintf("kickstart %q is not in %s at revision %s", file, src.describe(), rev)
		if src.subdir != "" {
			msg += fmt.Sprintf(" (subdirectory %s)", src.subdir)
		}
		if len(names) == 0 {
			return errors.New(msg + "; the tree is empty")
		}
		return fmt.Errorf("%s. Did you mean %s? (the nearest of its %d files)", msg, quoteList(nearest(file, names, 3)), len(names))
	case err != nil:
		return fmt.Errorf("kickstart %q in %s at revision %s leaves the tree: %v", file, src.describe(), rev, errors.Unwrap(err))
	case !info.Mode().IsRegular():
		return fmt.Errorf("kickstart %q in %s at revision %s is not a file", file, src.describe(), rev)
	}
	return nil
}

// placeTree copies the subdirectory of a fetched root into tree, checking
// symlinks and file types on the way.
func placeTree(root, tree string, src *source, rev string) error {
	dir, err := subdirOf(root, src.subdir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			msg := fmt.Sprintf("subdirectory %q is not in %s at revision %s", src.subdir, src.describe(), rev)
			if near := nearest(src.subdir, dirs(root), 3); len(near) > 0 {
				msg += ". Did you mean " + quoteList(near) + "?"
			}
			return errors.New(msg)
		}
		return fmt.Errorf("%s at revision %s: %w", src.describe(), rev, err)
	}
	if err := copyTree(dir, tree); err != nil {
		return fmt.Errorf("%s at revision %s: %w", src.describe(), rev, err)
	}
	return nil
}

func fetchGit(ctx context.Context, src *source, r Request, resolved, work, tree string, log io.Writer) (string, error) {
	if resolved == "" {
		res, err := resolveGit(ctx, src)
		if err != nil {
			return "", err
		}
		for _, w := range res.Warnings {
			fmt.Fprintln(log, "warning: "+w)
		}
		resolved = res.Revision
	}
	if !fullSHA.MatchString(resolved) {
		return "", fmt.Errorf("%s: resolved revision %q is not a full commit", src.describe(), resolved)
	}
	// The subdirectory is taken out of the checkout here, not by go-getter:
	// its copy refuses every symlink, in-tree ones too.
	pinned := SCM{Repo: src.git.Repo, Ref: resolved}
	root := filepath.Join(work, "checkout")
	fmt.Fprintf(log, "fetching %s at %s\n", src.git.Repo, resolved)
	getter, err := getterRunner()
	if err != nil {
		return "", err
	}
	if err := getter.Get(ctx, pinned.GetterURL(), root, r.Dir, gogetter.ModeDir, true); err != nil {
		return "", fmt.Errorf("fetch %s at revision %s: %s", src.describe(), resolved, slowHint(err.Error()))
	}
	head, err := git(ctx, root, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return "", fmt.Errorf("fetch %s at revision %s: %w", src.describe(), resolved, err)
	}
	if got := strings.TrimSpace(head); !strings.EqualFold(got, resolved) {
		return "", fmt.Errorf("fetch %s: checked out %s, want %s", src.describe(), got, resolved)
	}
	if err := placeTree(root, tree, src, resolved); err != nil {
		return "", err
	}
	return resolved, nil
}

func fetchLocal(src *source, r Request, resolved, outDir, tree string, log io.Writer) (string, error) {
	p, info, err := statLocal(src, r.Dir)
	if err != nil {
		return "", err
	}
	if info.IsDir() {
		if rel, err := filepath.Rel(p, outDir); err == nil && !strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("%s contains the directory being written (%s): it would copy itself; keep the store (--store) or the output directory out of it", src.raw, outDir)
		}
		fmt.Fprintf(log, "copying %s\n", p)
		if err := copyTree(p, tree); err != nil {
			return "", fmt.Errorf("%s: %w", src.describe(), err)
		}
	} else {
		fmt.Fprintf(log, "copying %s\n", p)
		if err := os.Mkdir(tree, 0o755); err != nil {
			return "", err
		}
		perm := os.FileMode(0o644)
		if info.Mode().Perm()&0o111 != 0 {
			perm = 0o755
		}
		if err := copyFile(p, filepath.Join(tree, filepath.Base(src.path)), perm); err != nil {
			return "", err
		}
		if r.Checksum != "" {
			if err := verifySum(filepath.Join(tree, filepath.Base(src.path)), r.Checksum, src); err != nil {
				return "", err
			}
		}
	}
	rev, err := treeDigest(tree)
	if err != nil {
		return "", err
	}
	if resolved != "" && rev != resolved {
		return "", fmt.Errorf("%s changed since the plan was made (content digest %s, planned %s); run again", src.describe(), rev, resolved)
	}
	return rev, nil
}

// verifySum checks a file against a "sha256:<hex>" checksum.
func verifySum(p, checksum string, src *source) error {
	algo, _, err := parseChecksum(checksum)
	if err != nil {
		return err
	}
	newHash := map[string]func() hash.Hash{"sha256": sha256.New, "sha512": sha512.New}[algo]
	sum, err := fileSum(p, newHash)
	if err != nil {
		return err
	}
	if got := algo + ":" + sum; got != normChecksum(checksum) {
		return fmt.Errorf("checksum mismatch for %s: got %s, want %s", src.describe(), got, normChecksum(checksum))
	}
	return nil
}

func fetchHTTP(ctx context.Context, src *source, r Request, resolved, work, tree string, log io.Writer) (string, error) {
	// Download the file as it is, with no decompressor, so its checksum is
	// the one of the bytes served; unpack it afterwards.
	dl := filepath.Join(work, "download")
	getter, err := getterRunner()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(log, "downloading %s\n", src.url)
	getErr := getter.Get(ctx, src.url, dl, r.Dir, gogetter.ModeFile, false)
	if info, err := os.Stat(dl); err == nil && info.Size() > maxDownload {
		return "", fmt.Errorf("%s is larger than %d MiB, the most fetch-ks downloads", src.url, maxDownload>>20)
	}
	if getErr != nil {
		return "", fmt.Errorf("download %s: %w", src.url, getErr)
	}
	want := r.Checksum
	if want == "" && (strings.HasPrefix(resolved, "sha256:") || strings.HasPrefix(resolved, "sha512:")) {
		want = resolved
	}
	var rev string
	if want != "" {
		if err := verifySum(dl, want, src); err != nil {
			return "", err
		}
		rev = normChecksum(want)
	} else {
		sum, err := fileSum(dl, sha256.New)
		if err != nil {
			return "", err
		}
		rev = "sha256:" + sum
		fmt.Fprintf(log, "downloaded %s; to pin it, add checksum = %q\n", src.url, rev)
	}
	root := filepath.Join(work, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return "", err
	}
	switch {
	case src.archive == "":
		if err := os.Rename(dl, filepath.Join(root, src.downloadName())); err != nil {
			return "", err
		}
	default:
		single := gogetter.SingleFile(src.archive)
		dst := root
		if single {
			dst = filepath.Join(root, src.downloadName())
		}
		if err := getter.Unpack(ctx, src.archive, dl, dst, !single); err != nil {
			return "", fmt.Errorf("unpack %s: %w", src.url, err)
		}
	}
	if err := placeTree(root, tree, src, rev); err != nil {
		return "", err
	}
	return rev, nil
}

func fetchGetter(ctx context.Context, src *source, r Request, resolved, work, tree string, log io.Writer) (string, error) {
	root := filepath.Join(work, "root")
	getter, err := getterRunner()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(log, "fetching %s\n", src.url)
	if err := getter.Get(ctx, src.url, root, r.Dir, gogetter.ModeAny, true); err != nil {
		return "", fmt.Errorf("fetch %s: %w", src.describe(), err)
	}
	digest, err := treeDigest(root)
	if err != nil {
		return "", err
	}
	if resolved != "" && digest != resolved {
		return "", fmt.Errorf("%s changed since the plan was made (content digest %s, planned %s); run again", src.describe(), digest, resolved)
	}
	if err := placeTree(root, tree, src, digest); err != nil {
		return "", err
	}
	return digest, nil
}
