package kojihub

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one call, from connecting to the response's
	// last byte. Koji's own default (12 hours) suits builds, not reading.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxResponseBytes bounds a response: an image's package list
	// of a few thousand packages is a few megabytes.
	DefaultMaxResponseBytes = 64 << 20
)

// Options configure a Client. Zero values take the defaults.
type Options struct {
	// Timeout bounds each call (connecting, sending, the whole response).
	Timeout time.Duration
	// MaxResponseBytes bounds each response's size.
	MaxResponseBytes int64
	// ServerCA is a PEM file of the CA certificates to trust for the hub
	// (a profile's serverca), in place of the system's.
	ServerCA string
	// UserAgent is sent with each call.
	UserAgent string
}

// Client calls one hub. It is safe for concurrent use.
type Client struct {
	hub  string
	http *http.Client
	max  int64
	ua   string
}

// New returns a client of the hub at hubURL (http or https, as a koji
// profile's server: https://koji.fedoraproject.org/kojihub).
func New(hubURL string, opts Options) (*Client, error) {
	u, err := url.Parse(hubURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("koji hub %q is not an http(s) URL such as https://koji.fedoraproject.org/kojihub", hubURL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "imgpipe"
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.ServerCA != "" {
		pem, err := os.ReadFile(opts.ServerCA)
		if err != nil {
			return nil, fmt.Errorf("koji hub %s: serverca: %w", hubURL, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("koji hub %s: serverca %s holds no PEM certificate", hubURL, opts.ServerCA)
		}
		tlsConfig.RootCAs = pool
	}
	// The idle and total bounds of every HTTP request imgpipe makes
	// (docs/reliability-limits.md) hold here too, under the call's own.
	limits, err := download.FromEnv()
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: min(opts.Timeout, 30*time.Second)}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: min(opts.Timeout, 30*time.Second),
		ForceAttemptHTTP2:   true,
	}
	return &Client{
		hub:  hubURL,
		http: &http.Client{Transport: download.Transport(transport, limits), Timeout: opts.Timeout},
		max:  opts.MaxResponseBytes,
		ua:   opts.UserAgent,
	}, nil
}

// Hub returns the hub's URL.
func (c *Client) Hub() string { return c.hub }

// Error is the error of a call: it names the hub and the method. Err is a
// *Fault for Koji's faults, wraps ErrMalformed for a response that is not
// XML-RPC, ErrTooLarge for one too large, ErrTimeout for one too slow, or
// is an *HTTPError or a connection's error.
type Error struct {
	Hub, Method string
	Err         error
}

func (e *Error) Error() string {
	return fmt.Sprintf("koji hub %s: %s: %v", e.Hub, e.Method, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Fault is a fault the hub answered with (koji.GenericError is code 1000;
// koji/__init__.py lists the others).
type Fault struct {
	Code   int64
	String string
}

func (f *Fault) Error() string { return fmt.Sprintf("fault %d: %s", f.Code, f.String) }

// HTTPError is an answer other than 200 OK.
type HTTPError struct {
	Status string
	// Body is the start of the answer's body.
	Body string
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return "HTTP " + e.Status
	}
	return fmt.Sprintf("HTTP %s: %s", e.Status, e.Body)
}

// Errors a call wraps.
var (
	ErrTooLarge = errors.New("response too large")
	ErrTimeout  = errors.New("no answer in time")
)

// Call calls method with args; a Kwargs last argument is sent as keyword
// arguments. The result is made of map[string]any (struct), []any (array),
// string, int64 (*big.Int beyond 64 bits), float64, bool, nil, time.Time
// and []byte (base64). Every error is an *Error.
func (c *Client) Call(ctx context.Context, method string, args ...any) (any, error) {
	v, err := c.call(ctx, method, args)
	if err != nil {
		return nil, &Error{Hub: c.hub, Method: method, Err: err}
	}
	return v, nil
}

func (c *Client) call(ctx context.Context, method string, args []any) (any, error) {
	body, err := EncodeCall(method, args)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hub, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		start, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, &HTTPError{Status: resp.Status, Body: strings.TrimSpace(strings.ToValidUTF8(string(start), "?"))}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.max+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if int64(len(data)) > c.max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.max)
	}
	return DecodeResponse(data)
}

// transportError says what a failed exchange means: a timeout names the
// limit; a cancelled context is returned as it is.
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	if te, ok := errors.AsType[*download.TimeoutError](err); ok {
		return fmt.Errorf("%w: %v", ErrTimeout, te)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (limit %s): %v", ErrTimeout, c.http.Timeout, unwrapURL(err))
	}
	return unwrapURL(err)
}

// unwrapURL drops the *url.Error around a transport error: the hub is
// named by the *Error already.
func unwrapURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
