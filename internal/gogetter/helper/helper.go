package helper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	getter "github.com/hashicorp/go-getter"

	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// Main is imgpipe-getter's main function. It exits 0 when it wrote a
// response (the response may hold an error), 2 when it could not read the
// request.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := serve(ctx, os.Stdin, os.Stdout)
	stop()
	os.Exit(code)
}

func serve(ctx context.Context, in io.Reader, out io.Writer) int {
	var req gogetter.Request
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading the request: %v (it is run by imgpipe, not by hand)\n", gogetter.HelperName, err)
		return 2
	}
	var resp gogetter.Response
	detected, err := handle(ctx, req)
	if err != nil {
		resp.Error = err.Error()
		var refused *gogetter.RefusedError
		resp.Refused = errors.As(err, &refused)
	}
	resp.Detected = detected
	if err := json.NewEncoder(out).Encode(resp); err != nil {
		fmt.Fprintf(os.Stderr, "%s: writing the response: %v\n", gogetter.HelperName, err)
		return 1
	}
	return 0
}

func handle(ctx context.Context, req gogetter.Request) (string, error) {
	if req.Version != gogetter.ProtocolVersion {
		return "", fmt.Errorf("%s speaks protocol %d and was sent %d: imgpipe and %s come from different builds; install both from one (go install github.com/imgpipe/imgpipe/cmd/...)",
			gogetter.HelperName, gogetter.ProtocolVersion, req.Version, gogetter.HelperName)
	}
	switch req.Op {
	case gogetter.OpDetect:
		return getter.Detect(req.Src, req.Pwd, detectors())
	case gogetter.OpGet:
		mode, ok := map[gogetter.Mode]getter.ClientMode{
			gogetter.ModeFile: getter.ClientModeFile,
			gogetter.ModeDir:  getter.ClientModeDir,
			gogetter.ModeAny:  getter.ClientModeAny,
		}[req.Mode]
		if !ok {
			return "", fmt.Errorf("unknown mode %q", req.Mode)
		}
		decomp := map[string]getter.Decompressor{}
		if req.Unpack {
			decomp = decompressors(req.Limits)
		}
		return "", newClient(ctx, req, mode, decomp).Get()
	case gogetter.OpUnpack:
		d, ok := decompressors(req.Limits)[req.Format]
		if !ok {
			return "", fmt.Errorf("unknown archive format %q", req.Format)
		}
		return "", d.Decompress(req.Dst, req.Src, req.Dir, 0o022)
	}
	return "", fmt.Errorf("unknown operation %q", req.Op)
}

// detectors are go-getter's shorthand expansions, without the BitBucket
// one (it asks bitbucket.org's API over the network).
func detectors() []getter.Detector {
	return []getter.Detector{
		new(getter.GitHubDetector),
		new(getter.GitLabDetector),
		new(getter.GitDetector),
		new(getter.S3Detector),
		new(getter.GCSDetector),
		new(getter.FileDetector),
	}
}

// newClient returns a go-getter client hardened as docs/platform.md#go-getter
// says: an explicit map of getters, a fresh one per fetch (getters keep a
// pointer to their client); symlinks disabled; no X-Terraform-Get
// redirects (they can point a download at a local file:// path); a byte
// limit on http bodies and imgpipe's own http.Client; local files copied,
// not symlinked; decompressors that fail rather than truncate.
func newClient(ctx context.Context, req gogetter.Request, mode getter.ClientMode, decomp map[string]getter.Decompressor) *getter.Client {
	var maxBytes int64 // go-getter: 0 is no limit
	if req.Limits.MaxDownload > 0 {
		// One byte over the limit, so an oversized body is told apart from
		// one of exactly the limit: go-getter cuts bodies off silently.
		maxBytes = req.Limits.MaxDownload + 1
	}
	hg := &getter.HttpGetter{
		Client:                gogetter.NewHTTPClient(req.Limits.Download()),
		MaxBytes:              maxBytes,
		XTerraformGetDisabled: true,
		DoNotCheckHeadFirst:   true,
	}
	return &getter.Client{
		Ctx:  ctx,
		Src:  req.Src,
		Dst:  req.Dst,
		Pwd:  req.Pwd,
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
// output at the limit without an error. The tree ones are wrapped too:
// they refuse links and special files (checkedTree).
func decompressors(l gogetter.Limits) map[string]getter.Decompressor {
	m := getter.LimitedDecompressors(l.MaxFiles, l.MaxUnpacked)
	for k := range m {
		if gogetter.SingleFile(k) {
			m[k] = strictSingle{k: k, max: l.MaxUnpacked}
		} else {
			m[k] = checkedTree{format: k, inner: m[k], maxUnpacked: l.MaxUnpacked}
		}
	}
	return m
}

// strictSingle decompresses one file and fails, rather than truncating,
// when the result is larger than max (0: no limit).
type strictSingle struct {
	k   string
	max int64
}

func (s strictSingle) Decompress(dst, src string, dir bool, umask os.FileMode) error {
	if dir {
		return fmt.Errorf("a .%s file holds one file, not a tree", s.k)
	}
	limit := int64(0) // go-getter: 0 is no limit
	if s.max > 0 {
		limit = s.max + 1
	}
	var d getter.Decompressor
	switch s.k {
	case "gz":
		d = &getter.GzipDecompressor{FileSizeLimit: limit}
	case "bz2":
		d = &getter.Bzip2Decompressor{FileSizeLimit: limit}
	case "xz":
		d = &getter.XzDecompressor{FileSizeLimit: limit}
	case "zst":
		d = &getter.ZstdDecompressor{FileSizeLimit: limit}
	default:
		return errors.New("no single-file decompressor for ." + s.k)
	}
	if err := d.Decompress(dst, src, false, umask); err != nil {
		return err
	}
	info, err := os.Stat(dst)
	if err != nil {
		return err
	}
	if s.max > 0 && info.Size() > s.max {
		os.Remove(dst)
		return fmt.Errorf("the .%s file unpacks to more than %d MiB", s.k, s.max>>20)
	}
	return nil
}
