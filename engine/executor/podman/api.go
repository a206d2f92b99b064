//go:build remote

package podman

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/containers/podman/v4/pkg/bindings"
	"github.com/containers/podman/v4/version"
)

// service is a connection to a podman API service and the few libpod
// endpoints the executor uses.
//
// Only the bindings' connection (unix and ssh dialing, request building,
// error decoding) is used, not bindings/containers and bindings/images:
// those import pkg/domain/entities, which does not compile against the
// docker/docker (v28) that this module's other dependencies require. See
// docs/decisions/0006-podman-build.md. Owning the attach also avoids
// containers.Attach's replacing the connection's HTTP transport, which
// races with concurrent requests, and its panics on non-pointer streams.
type service struct {
	conn *bindings.Connection
}

// dial connects to the service at uri (unix:// or ssh://) and pings it.
func dial(ctx context.Context, uri, identityFile string) (*service, error) {
	cctx, err := bindings.NewConnectionWithIdentity(ctx, uri, identityFile, false)
	if err != nil {
		return nil, err
	}
	conn, err := bindings.GetClient(cctx)
	if err != nil {
		return nil, err
	}
	return &service{conn: conn}, nil
}

// do sends a request to the libpod endpoint (with %s for the escaped
// pathValues) and decodes a successful JSON answer into into, if not nil. A
// failure is the service's *errorhandling.ErrorModel.
func (s *service) do(ctx context.Context, method, endpoint string, params url.Values, body io.Reader, into any, pathValues ...string) error {
	resp, err := s.conn.DoRequest(ctx, body, method, endpoint, params, nil, pathValues...)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return resp.Process(into)
}

// imageID returns the ID of the image name, or "" if the service does not
// have it.
func (s *service) imageID(ctx context.Context, name string) (string, error) {
	img, err := s.image(ctx, name)
	return img.ID, err
}

// imageInfo is what the executor needs of an image's inspection.
type imageInfo struct {
	ID string
	// Architecture is the image's GOARCH ("amd64", "arm64").
	Architecture string
}

// image inspects the image name; a zero imageInfo and no error means the
// service has no such image.
func (s *service) image(ctx context.Context, name string) (imageInfo, error) {
	resp, err := s.conn.DoRequest(ctx, nil, http.MethodGet, "/images/%s/json", nil, nil, name)
	if err != nil {
		return imageInfo{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return imageInfo{}, nil
	}
	var img imageInfo
	if err := resp.Process(&img); err != nil {
		return imageInfo{}, err
	}
	if img.ID == "" {
		return imageInfo{}, fmt.Errorf("the service gave image %q no ID", name)
	}
	return img, nil
}

// pull pulls the image ref from its registry.
func (s *service) pull(ctx context.Context, ref string) error {
	params := url.Values{"reference": {ref}, "quiet": {"true"}}
	resp, err := s.conn.DoRequest(ctx, nil, http.MethodPost, "/images/pull", params, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !resp.IsSuccess() {
		return resp.Process(nil)
	}
	// A stream of JSON reports; a failure is one with an error.
	dec := json.NewDecoder(resp.Body)
	for {
		var r struct{ Error string }
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if r.Error != "" {
			return errors.New(r.Error)
		}
	}
}

// create creates a container.
func (s *service) create(ctx context.Context, spec *createSpec) error {
	body, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return s.do(ctx, http.MethodPost, "/containers/create", nil, bytes.NewReader(body), nil)
}

// start starts the container name.
func (s *service) start(ctx context.Context, name string) error {
	return s.do(ctx, http.MethodPost, "/containers/%s/start", nil, nil, nil, name)
}

// wait waits for the container name to exit and returns its exit status.
func (s *service) wait(ctx context.Context, name string) (int32, error) {
	var code int32
	err := s.do(ctx, http.MethodPost, "/containers/%s/wait", nil, nil, &code, name)
	return code, err
}

// remove force-removes the container name, killing it at once if it runs,
// and its anonymous volumes. A container that does not exist is not an
// error.
func (s *service) remove(ctx context.Context, name string) error {
	params := url.Values{"force": {"true"}, "timeout": {"0"}, "v": {"true"}}
	resp, err := s.conn.DoRequest(ctx, nil, http.MethodDelete, "/containers/%s", params, nil, name)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	return resp.Process(nil)
}

// putArchive extracts the tar archive r at path in the container name.
func (s *service) putArchive(ctx context.Context, name, path string, r io.Reader) error {
	return s.do(ctx, http.MethodPut, "/containers/%s/archive", url.Values{"path": {path}}, r, nil, name)
}

// getArchive writes a tar archive of path in the container name to w.
func (s *service) getArchive(ctx context.Context, name, path string, w io.Writer) error {
	resp, err := s.conn.DoRequest(ctx, nil, http.MethodGet, "/containers/%s/archive", url.Values{"path": {path}}, nil, name)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !resp.IsSuccess() {
		return resp.Process(nil)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// attachment is a container's standard streams, multiplexed on a hijacked
// connection.
type attachment struct {
	conn net.Conn
	r    *bufio.Reader
}

// attach attaches to the container name's standard output and error, and to
// its standard input if stdin. It returns once the service has answered, so
// that starting the container afterwards loses no output. Detach keys are
// off: stdin is passed through as it is.
func (s *service) attach(ctx context.Context, name string, stdin bool) (*attachment, error) {
	params := url.Values{"stream": {"true"}, "stdout": {"true"}, "stderr": {"true"}, "detachKeys": {""}}
	if stdin {
		params.Set("stdin", "true")
	}
	return s.hijack(ctx, "/containers/"+url.PathEscape(name)+"/attach?"+params.Encode(), nil)
}

// hijack sends a POST to the libpod endpoint path (escaped, with its query)
// that answers with a multiplexed stream on the connection itself (attach,
// exec start), and returns that stream once the service has answered.
func (s *service) hijack(ctx context.Context, path string, body []byte) (*attachment, error) {
	nc, err := s.conn.GetDialer(ctx)
	if err != nil {
		return nil, err
	}
	a, err := upgrade(ctx, nc, path, body)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return a, nil
}

func upgrade(ctx context.Context, nc net.Conn, path string, body []byte) (*attachment, error) {
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	v := version.APIVersion[version.Libpod][version.CurrentAPI]
	u := fmt.Sprintf("http://d/v%d.%d.%d/libpod%s", v.Major, v.Minor, v.Patch, path)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "tcp")
	if err := req.Write(nc); err != nil {
		return nil, err
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols && resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, bindings.APIResponse{Response: resp, Request: req}.Process(nil)
	}
	return &attachment{conn: nc, r: br}, nil
}

// imageCommand returns the image id's ENTRYPOINT and CMD.
func (s *service) imageCommand(ctx context.Context, id string) (entrypoint, cmd []string, err error) {
	var img struct {
		Config struct {
			Entrypoint []string
			Cmd        []string
		}
	}
	err = s.do(ctx, http.MethodGet, "/images/%s/json", nil, nil, &img, id)
	return img.Config.Entrypoint, img.Config.Cmd, err
}

// commit makes an image of the container name's file system, with the
// Dockerfile-style changes ("ENTRYPOINT [...]") to its configuration, and
// returns the image's ID. repo and tag name it; empty, it is unnamed.
func (s *service) commit(ctx context.Context, name, repo, tag string, changes []string) (string, error) {
	params := url.Values{"container": {name}, "pause": {"false"}, "changes": changes}
	if repo != "" {
		params.Set("repo", repo)
		params.Set("tag", tag)
	}
	var r struct{ ID string }
	if err := s.do(ctx, http.MethodPost, "/commit", params, nil, &r); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", errors.New("the service gave the committed image no ID")
	}
	return strings.TrimPrefix(r.ID, "sha256:"), nil
}

// removeImage removes the image id. One that does not exist is not an
// error.
func (s *service) removeImage(ctx context.Context, id string) error {
	resp, err := s.conn.DoRequest(ctx, nil, http.MethodDelete, "/images/%s", url.Values{"force": {"true"}}, nil, id)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	return resp.Process(nil)
}

// copyOutput copies the container's output to stdout and stderr until the
// stream ends (the container has exited) or fails. A write error is returned
// wrapped in a *writeError.
func (a *attachment) copyOutput(stdout, stderr io.Writer) error {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(a.r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		n := int64(uint32(hdr[4])<<24 | uint32(hdr[5])<<16 | uint32(hdr[6])<<8 | uint32(hdr[7]))
		var w io.Writer
		switch hdr[0] {
		case 0, 1:
			w = stdout
		case 2:
			w = stderr
		case 3: // the service's own error
			msg, _ := io.ReadAll(io.LimitReader(a.r, n))
			return fmt.Errorf("from the service: %s", msg)
		default:
			return fmt.Errorf("unknown stream %d in the attach stream", hdr[0])
		}
		if _, err := io.CopyN(writerOnly{w}, a.r, n); err != nil {
			var we *writeError
			if errors.As(err, &we) {
				return we
			}
			return err
		}
	}
}

// copyInput copies r to the container's standard input and closes it.
func (a *attachment) copyInput(r io.Reader) error {
	_, err := io.Copy(a.conn, r)
	if cw, ok := a.conn.(interface{ CloseWrite() error }); ok {
		err = errors.Join(err, cw.CloseWrite())
	}
	return err
}

func (a *attachment) Close() error { return a.conn.Close() }

// writeError is the error of a Cmd's writer.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// writerOnly hides everything but Write (io.CopyN would use ReadFrom) and
// marks the writer's errors.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return n, &writeError{err}
	}
	return n, nil
}
