package fetchks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	getter "github.com/hashicorp/go-getter"
)

// Limits on what a fetch may bring in. Kickstart trees are small; these
// stop a wrong URL or a hostile server from filling the disk. They are
// variables for tests only.
var (
	// maxDownload bounds one http(s) download (an archive or a file).
	maxDownload int64 = 64 << 20
	// maxUnpacked bounds what an archive unpacks to, in total.
	maxUnpacked int64 = 256 << 20
	// maxFiles bounds the number of entries of an archive.
	maxFiles = 20000
)

// newHTTPClient returns the client every http(s) request of fetch-ks uses:
// imgpipe's own, so no setting leaks in or out through a shared global
// client (go-getter v1's Insecure does). It follows at most 10 redirects
// and never from https to plain http.
func newHTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing a redirect from https to %s", req.URL.Redacted())
			}
			return nil
		},
	}
}

// newClient returns a go-getter client hardened as the platform notes
// say: an explicit map of getters, a fresh one per fetch (getters keep a
// pointer to their client); symlinks disabled; no X-Terraform-Get
// redirects (they can point a download at a local file:// path); a byte
// limit on http bodies and our own http.Client; local files copied, not
// symlinked; decompressors that fail rather than truncate.
func newClient(ctx context.Context, src, dst, pwd string, mode getter.ClientMode, decomp map[string]getter.Decompressor) *getter.Client {
	hg := &getter.HttpGetter{
		Client: newHTTPClient(),
		// One byte over the limit, so an oversized body is told apart from
		// one of exactly the limit: go-getter cuts bodies off silently.
		MaxBytes:              maxDownload + 1,
		XTerraformGetDisabled: true,
		DoNotCheckHeadFirst:   true,
	}
	return &getter.Client{
		Ctx:  ctx,
		Src:  src,
		Dst:  dst,
		Pwd:  pwd,
		Mode: mode,
		Getters: map[string]getter.Getter{
			"git":   new(getter.GitGetter),
			"hg":    new(getter.HgGetter),
			"http":  hg,
			"https": hg,
			"file":  &getter.FileGetter{Copy: true},
			"s3":    new(getter.S3Getter),
			"gcs":   new(getter.GCSGetter),
		},
		Detectors:       detectors(),
		Decompressors:   decomp,
		DisableSymlinks: true,
		Umask:           0o022,
	}
}

// decompressors are go-getter's, limited in entries and size. The
// single-file ones (a lone .gz) are wrapped: go-getter's truncate their
// output at the limit without an error.
func decompressors() map[string]getter.Decompressor {
	m := getter.LimitedDecompressors(maxFiles, maxUnpacked)
	for _, k := range []string{"gz", "bz2", "xz", "zst"} {
		m[k] = strictSingle{k: k}
	}
	return m
}

// strictSingle decompresses one file and fails, rather than truncating,
// when the result is larger than maxUnpacked.
type strictSingle struct{ k string }

func (s strictSingle) Decompress(dst, src string, dir bool, umask os.FileMode) error {
	if dir {
		return fmt.Errorf("a .%s file holds one file, not a tree", s.k)
	}
	var d getter.Decompressor
	switch s.k {
	case "gz":
		d = &getter.GzipDecompressor{FileSizeLimit: maxUnpacked + 1}
	case "bz2":
		d = &getter.Bzip2Decompressor{FileSizeLimit: maxUnpacked + 1}
	case "xz":
		d = &getter.XzDecompressor{FileSizeLimit: maxUnpacked + 1}
	case "zst":
		d = &getter.ZstdDecompressor{FileSizeLimit: maxUnpacked + 1}
	}
	if err := d.Decompress(dst, src, false, umask); err != nil {
		return err
	}
	info, err := os.Stat(dst)
	if err != nil {
		return err
	}
	if info.Size() > maxUnpacked {
		os.Remove(dst)
		return fmt.Errorf("the .%s file unpacks to more than %d MiB", s.k, maxUnpacked>>20)
	}
	return nil
}
