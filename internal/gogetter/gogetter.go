package gogetter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
)

// HelperName is the helper executable's name, and EnvHelper the variable
// that names its path when it is neither beside imgpipe nor on PATH.
const (
	HelperName = "imgpipe-getter"
	EnvHelper  = "IMGPIPE_GETTER"
)

// ProtocolVersion is the version of Request and Response. The helper
// refuses any other, so an imgpipe and an imgpipe-getter from different
// builds fail with a message rather than misread each other.
const ProtocolVersion = 2

// Op is what a Request asks the helper to do.
type Op string

const (
	// OpDetect expands a go-getter shorthand (git@host:path,
	// github.com/org/repo, bucket.s3.amazonaws.com/key, ...) with
	// go-getter's detectors into a URL with a forced getter.
	OpDetect Op = "detect"
	// OpGet fetches Src into Dst with go-getter's client.
	OpGet Op = "get"
	// OpUnpack unpacks the archive Src into Dst with go-getter's
	// decompressor for Format.
	OpUnpack Op = "unpack"
)

// Mode is go-getter's client mode for OpGet.
type Mode string

const (
	ModeFile Mode = "file" // Src is one file; Dst is its path
	ModeDir  Mode = "dir"  // Src is a tree; Dst is its directory
	ModeAny  Mode = "any"  // whichever Src is
)

// Limits bound what one request may bring in: bytes of one download,
// bytes an archive unpacks to in total, entries of an archive, and how
// long an http(s) download may wait for the server and take in all
// (package download). A zero field sets no bound (go-getter's own
// default); fetch-ks sets them all.
type Limits struct {
	MaxDownload  int64         `json:"max_download"`
	MaxUnpacked  int64         `json:"max_unpacked"`
	MaxFiles     int           `json:"max_files"`
	IdleTimeout  time.Duration `json:"idle_timeout"`
	TotalTimeout time.Duration `json:"total_timeout"`
}

// Download returns the download limits of l.
func (l Limits) Download() download.Limits {
	return download.Limits{Idle: l.IdleTimeout, Total: l.TotalTimeout}
}

// Request is what imgpipe writes to the helper's standard input.
type Request struct {
	Version int    `json:"version"`
	Op      Op     `json:"op"`
	Src     string `json:"src"`
	Dst     string `json:"dst,omitempty"`
	// Pwd is the directory relative local sources resolve against.
	Pwd  string `json:"pwd,omitempty"`
	Mode Mode   `json:"mode,omitempty"`
	// Unpack lets OpGet unpack an archive it downloads, by its extension
	// or ?archive=; without it the bytes are kept as served.
	Unpack bool `json:"unpack,omitempty"`
	// Format and Dir are OpUnpack's: the archive format (one of Formats)
	// and whether it holds a tree (Dst a directory) or one file.
	Format string `json:"format,omitempty"`
	Dir    bool   `json:"dir,omitempty"`
	Limits Limits `json:"limits"`
}

// Response is what the helper writes to its standard output: an error, or
// OpDetect's result.
type Response struct {
	Detected string `json:"detected,omitempty"`
	Error    string `json:"error,omitempty"`
	// Refused says that Error is a *RefusedError.
	Refused bool `json:"refused,omitempty"`
}

// RefusedError is what the helper refuses to bring in whatever the limits:
// an archive member that is a link or a special file. Runner returns it
// as such, so that fetch-ks can point at the url that brought it.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// Runner runs the helper. The zero value finds it with Find and passes it
// this process's environment.
type Runner struct {
	// Path is the helper; "" means Find.
	Path string
	// Env is the helper's environment; nil means this process's.
	Env []string
	// Limits go into every request.
	Limits Limits
}

// NotFoundError says that the helper is nowhere imgpipe looks.
type NotFoundError struct {
	// Beside is the directory of imgpipe's executable, looked in first.
	Beside string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s, which fetches git, http(s), s3, gcs and hg sources, is not beside imgpipe (%s) nor on PATH: "+
		"install both with `go install github.com/imgpipe/imgpipe/cmd/...` (or `go tool task build`, which writes bin/), or set %s to its path",
		HelperName, e.Beside, EnvHelper)
}

// Find returns the helper's path: $IMGPIPE_GETTER, else imgpipe-getter in
// the directory of the running executable (symlinks resolved, as git finds
// its helpers), else on PATH.
func Find() (string, error) {
	if p := os.Getenv(EnvHelper); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvHelper, p, err)
		}
		return p, nil
	}
	var beside string
	if exe, err := os.Executable(); err == nil {
		beside = filepath.Dir(exe)
		p := filepath.Join(beside, HelperName)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(HelperName); err == nil {
		return p, nil
	}
	return "", &NotFoundError{Beside: beside}
}

// Detect expands a go-getter shorthand as go-getter's Detect does with
// fetch-ks's detectors (all but BitBucket's, which asks bitbucket.org).
// pwd is the directory a relative path is taken from.
func (r Runner) Detect(ctx context.Context, src, pwd string) (string, error) {
	resp, err := r.call(ctx, Request{Op: OpDetect, Src: src, Pwd: pwd})
	return resp.Detected, err
}

// Get fetches src into dst. See Request for the fields.
func (r Runner) Get(ctx context.Context, src, dst, pwd string, mode Mode, unpack bool) error {
	_, err := r.call(ctx, Request{Op: OpGet, Src: src, Dst: dst, Pwd: pwd, Mode: mode, Unpack: unpack})
	return err
}

// Unpack unpacks the archive file src into dst: a directory when dir, else
// the one file the archive (a lone .gz, ...) holds.
func (r Runner) Unpack(ctx context.Context, format, src, dst string, dir bool) error {
	_, err := r.call(ctx, Request{Op: OpUnpack, Src: src, Dst: dst, Format: format, Dir: dir})
	return err
}

// stderrTail is how much of the helper's standard error an error quotes:
// enough for a panic's first lines.
const stderrTail = 4096

func (r Runner) call(ctx context.Context, req Request) (Response, error) {
	path := r.Path
	if path == "" {
		var err error
		if path, err = Find(); err != nil {
			return Response{}, err
		}
	}
	req.Version, req.Limits = ProtocolVersion, r.Limits
	in, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = r.Env
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Its own process group, so cancellation also kills the git or hg it
	// runs, and a terminal's Ctrl-C reaches imgpipe only, which decides.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return Response{}, fmt.Errorf("%s %s: %w", HelperName, req.Op, context.Cause(ctx))
	}
	var resp Response
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		msg := strings.TrimSpace(lastBytes(stderr.String(), stderrTail))
		if runErr == nil {
			runErr = errors.New("no response")
		}
		if msg != "" {
			return Response{}, fmt.Errorf("%s (%s) %s: %w:\n%s", HelperName, path, req.Op, runErr, msg)
		}
		return Response{}, fmt.Errorf("%s (%s) %s: %w", HelperName, path, req.Op, runErr)
	}
	if resp.Refused {
		return resp, &RefusedError{Msg: resp.Error}
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
