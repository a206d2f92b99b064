package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// The environment variables that change the limits: a Go duration ("90s",
// "5m"); "0" turns the limit off.
const (
	EnvIdle  = "IMGPIPE_DOWNLOAD_IDLE_TIMEOUT"
	EnvTotal = "IMGPIPE_DOWNLOAD_TIMEOUT"
)

// Limits bound one request. A zero field sets no bound.
type Limits struct {
	// Idle is the longest the server may send nothing: before the
	// response headers and between two reads of the body.
	Idle time.Duration
	// Total is the longest a request may take, body included.
	Total time.Duration
}

// Default are the limits without environment variables.
var Default = Limits{Idle: 60 * time.Second, Total: 30 * time.Minute}

// FromEnv returns Default changed by $IMGPIPE_DOWNLOAD_IDLE_TIMEOUT and
// $IMGPIPE_DOWNLOAD_TIMEOUT.
func FromEnv() (Limits, error) {
	l := Default
	for _, v := range []struct {
		env string
		dst *time.Duration
	}{{EnvIdle, &l.Idle}, {EnvTotal, &l.Total}} {
		s := os.Getenv(v.env)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return Limits{}, fmt.Errorf("%s=%s: want a duration such as 90s or 5m (0 turns the limit off)", v.env, s)
		}
		*v.dst = d
	}
	return l, nil
}

// TimeoutError is why a request was cancelled by its Limits.
type TimeoutError struct {
	// URL is the request's URL without user information.
	URL string
	// Idle is true for the idle timeout, false for the total one.
	Idle  bool
	After time.Duration
}

func (e *TimeoutError) Error() string {
	if e.Idle {
		return fmt.Sprintf("%s sent nothing for %s, the download idle timeout; set %s to wait longer (e.g. %s=5m; 0 turns it off)",
			e.URL, e.After, EnvIdle, EnvIdle)
	}
	return fmt.Sprintf("downloading %s took longer than %s, the download timeout; set %s to allow longer (e.g. %s=2h; 0 turns it off)",
		e.URL, e.After, EnvTotal, EnvTotal)
}

// Redact returns u without user information (a password, or a token
// passed as the user name).
func Redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// Transport returns a RoundTripper that applies l to every request it
// passes to base (http.DefaultTransport when nil).
//
// The idle clock starts with the request, except for a request with a
// body (an upload, which may take long before the server answers): its
// clock starts with the response headers.
func Transport(base http.RoundTripper, l Limits) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, limits: l}
}

type transport struct {
	base   http.RoundTripper
	limits Limits
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.limits == (Limits{}) {
		return t.base.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{cancel: cancel, idle: t.limits.Idle}
	where := Redact(req.URL)
	if t.limits.Total > 0 {
		w.total = time.AfterFunc(t.limits.Total, func() {
			cancel(&TimeoutError{URL: where, After: t.limits.Total})
		})
	}
	startIdle := func() {
		if t.limits.Idle > 0 {
			w.mu.Lock()
			w.idleTimer = time.AfterFunc(t.limits.Idle, func() {
				cancel(&TimeoutError{URL: where, Idle: true, After: t.limits.Idle})
			})
			w.mu.Unlock()
		}
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if !hasBody {
		startIdle()
	}
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		w.stop()
		if te := timeoutOf(ctx); te != nil {
			err = te
		}
		cancel(nil)
		return nil, err
	}
	if hasBody {
		startIdle()
	}
	resp.Body = &body{rc: resp.Body, ctx: ctx, w: w}
	return resp, nil
}

// watch holds a request's timers.
type watch struct {
	cancel    context.CancelCauseFunc
	idle      time.Duration
	mu        sync.Mutex
	idleTimer *time.Timer
	total     *time.Timer
}

// progress restarts the idle clock.
func (w *watch) progress() {
	w.mu.Lock()
	if w.idleTimer != nil {
		w.idleTimer.Reset(w.idle)
	}
	w.mu.Unlock()
}

func (w *watch) stop() {
	w.mu.Lock()
	if w.idleTimer != nil {
		w.idleTimer.Stop()
	}
	w.mu.Unlock()
	if w.total != nil {
		w.total.Stop()
	}
}

func timeoutOf(ctx context.Context) *TimeoutError {
	var te *TimeoutError
	if errors.As(context.Cause(ctx), &te) {
		return te
	}
	return nil
}

// body restarts the idle clock with every byte read, and turns the error
// of a read the timers cancelled into their TimeoutError.
type body struct {
	rc  io.ReadCloser
	ctx context.Context
	w   *watch
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.w.progress()
	}
	if err != nil && err != io.EOF {
		if te := timeoutOf(b.ctx); te != nil {
			err = te
		}
	}
	return n, err
}

func (b *body) Close() error {
	b.w.stop()
	err := b.rc.Close()
	b.w.cancel(nil)
	return err
}

// NewClient returns an http.Client over http.DefaultTransport with the
// limits of the environment (FromEnv).
func NewClient() (*http.Client, error) {
	l, err := FromEnv()
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: Transport(nil, l)}, nil
}
