package qemu

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// TreeImages are an install tree's kernel and initrd for one architecture.
type TreeImages struct {
	// Kernel and Initrd are URLs (http, https) or local paths.
	Kernel, Initrd string
	// KernelSum and InitrdSum are .treeinfo's checksums ("sha256:<hex>"),
	// or "".
	KernelSum, InitrdSum string
	// FromTreeinfo says whether .treeinfo named them.
	FromTreeinfo bool
}

// IsRemote reports whether tree is an http(s) URL rather than a local path
// (or file: URL).
func IsRemote(tree string) bool {
	return strings.HasPrefix(tree, "http://") || strings.HasPrefix(tree, "https://")
}

// LocalPath returns the directory of a local tree: a path or a file: URL.
func LocalPath(tree string) string {
	if u, err := url.Parse(tree); err == nil && u.Scheme == "file" {
		return u.Path
	}
	return tree
}

func treeJoin(tree, rel string) string {
	if IsRemote(tree) {
		return strings.TrimRight(tree, "/") + "/" + strings.TrimLeft(rel, "/")
	}
	return filepath.Join(LocalPath(tree), filepath.FromSlash(rel))
}

// FindImages finds arch's kernel and initrd in tree as Oz does: the
// [images-<arch>] section of .treeinfo, else images/pxeboot/vmlinuz and
// initrd.img.
func FindImages(ctx context.Context, client *http.Client, tree, arch string) (TreeImages, error) {
	ti, err := readTreeFile(ctx, client, treeJoin(tree, ".treeinfo"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return TreeImages{}, fmt.Errorf("read %s: %w", treeJoin(tree, ".treeinfo"), err)
	}
	if ti != nil {
		ini := parseINI(string(ti))
		sec := ini["images-"+arch]
		if sec["kernel"] != "" && sec["initrd"] != "" {
			sums := ini["checksums"]
			return TreeImages{
				Kernel: treeJoin(tree, sec["kernel"]), Initrd: treeJoin(tree, sec["initrd"]),
				KernelSum: sums[sec["kernel"]], InitrdSum: sums[sec["initrd"]],
				FromTreeinfo: true,
			}, nil
		}
	}
	return TreeImages{
		Kernel: treeJoin(tree, "images/pxeboot/vmlinuz"),
		Initrd: treeJoin(tree, "images/pxeboot/initrd.img"),
	}, nil
}

// readTreeFile reads a small file of a tree; a missing one is
// os.ErrNotExist.
func readTreeFile(ctx context.Context, client *http.Client, loc string) ([]byte, error) {
	if !IsRemote(loc) {
		return os.ReadFile(loc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, os.ErrNotExist
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", loc, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// parseINI reads .treeinfo's INI: section → key → value.
func parseINI(s string) map[string]map[string]string {
	out := map[string]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			cur = map[string]string{}
			out[strings.TrimSpace(l[1:len(l)-1])] = cur
		case cur != nil:
			if k, v, ok := strings.Cut(l, "="); ok {
				cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// Fetch makes src (a URL or a local path) available as a local file. Local
// files are used in place. Downloads with a sha256 checksum are cached
// under cacheDir by checksum and reused; others are downloaded into dir.
// A download whose checksum does not match fails.
func Fetch(ctx context.Context, client *http.Client, src, sum, cacheDir, dir string) (string, error) {
	if !IsRemote(src) {
		p := LocalPath(src)
		if _, err := os.Stat(p); err != nil {
			return "", err
		}
		return p, nil
	}
	want, hasSum := strings.CutPrefix(sum, "sha256:")
	var dst string
	if hasSum && cacheDir != "" {
		dst = filepath.Join(cacheDir, "sha256-"+want)
		if _, err := os.Stat(dst); err == nil {
			return dst, nil
		}
	} else {
		u := sha256.Sum256([]byte(src))
		dst = filepath.Join(dir, hex.EncodeToString(u[:8])+"-"+path.Base(src))
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: %s", src, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("download %s: %w", src, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); hasSum && got != want {
		return "", fmt.Errorf("download %s: sha256 %s, but .treeinfo says %s", src, got, want)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", err
	}
	return dst, nil
}

// GuestHost is how a guest on QEMU's user-mode network reaches the host's
// loopback.
const GuestHost = "10.0.2.2"

// GuestURL rewrites a URL on the host's loopback (localhost, 127.0.0.0/8,
// ::1) to the address the guest reaches it at; others are unchanged.
func GuestURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return u
	}
	host := p.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return u
	}
	if port := p.Port(); port != "" {
		p.Host = GuestHost + ":" + port
	} else {
		p.Host = GuestHost
	}
	return p.String()
}

// ServeDir serves dir over HTTP on the host's loopback, for a guest to
// install from a local tree. It returns the server's URL and a function
// that stops it.
func ServeDir(dir string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
