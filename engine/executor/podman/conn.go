//go:build remote

package podman

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/containers/podman/v4/pkg/errorhandling"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// probeTimeout bounds the probe that tells a lost connection from another
// failure. A connection that broke fails the probe at once; one that hangs
// would have hung the request before it too.
const probeTimeout = 10 * time.Second

// link is an Executor's connection to its service. A connection found
// lost is dialled again by the next request that needs it: the bindings'
// ssh connection never recovers by itself, and a builder whose sshd
// restarted should serve the stages that come after the one that failed.
type link struct {
	uri, identityFile string

	mu   sync.Mutex
	svc  *service
	lost bool // svc's connection is gone
}

// service returns the connection, dialling the service again first if the
// last one was lost.
func (l *link) service(ctx context.Context) (*service, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost {
		svc, err := dial(ctx, l.uri, l.identityFile)
		if err != nil {
			return nil, &executor.ConnectionError{URI: redactURI(l.uri), Err: err}
		}
		l.svc, l.lost = svc, false
	}
	return l.svc, nil
}

// markLost records that svc's connection is gone, unless another request
// has dialled again already.
func (l *link) markLost(svc *service) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.svc == svc {
		l.lost = true
	}
}

// finish removes the container c after a run that ended with runErr and
// returns Run's error. On a remote service, a failure of the connection
// itself (not an answer of the service, the process's exit or ctx) that a
// probe confirms becomes an *executor.ConnectionError: the stage failed
// because the builder went away, not because of what it ran. The removal
// is not tried then: it could only fail. The next request dials again.
func (e *Executor) finish(ctx context.Context, c *container, runErr error) error {
	if e.remote && ctx.Err() == nil && transportFailure(runErr) && e.lost(ctx, c.svc) {
		return e.connectionError(c.svc, runErr, c.name)
	}
	removeErr := c.remove(ctx)
	var ee *executor.ExitError
	if e.remote && ctx.Err() == nil && (runErr == nil || errors.As(runErr, &ee)) &&
		transportFailure(removeErr) && e.lost(ctx, c.svc) {
		return e.connectionError(c.svc, removeErr, c.name) // the process ran; the connection broke after it
	}
	return errors.Join(runErr, removeErr)
}

// lost reports whether the service can no longer be reached over svc, and
// if so marks the connection lost.
func (e *Executor) lost(ctx context.Context, svc *service) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	if svc.reachable(ctx) == nil {
		return false
	}
	e.link.markLost(svc)
	return true
}

// connectionError is the error for the connection lost with err, which left
// the container behind.
func (e *Executor) connectionError(svc *service, err error, container string) error {
	return &executor.ConnectionError{URI: svc.conn.URI.Redacted(), Lost: true,
		Err: fmt.Errorf("%w (its container %s may still exist there: remove it with `podman rm -f %[2]s`; "+
			"imgpipe's containers carry the label io.imgpipe.executor)", err, container)}
}

// transportFailure reports whether err is the failure of a request's
// connection rather than an answer of the service: a transport error of
// the HTTP client, or an attach stream cut short.
func transportFailure(err error) bool {
	if err == nil {
		return false
	}
	var model *errorhandling.ErrorModel
	var conflict *errorhandling.PodConflictErrorModel
	var we *writeError
	if errors.As(err, &model) || errors.As(err, &conflict) || errors.As(err, &we) {
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// reachable opens a connection to the service's socket and closes it.
// Over ssh that opens a channel on the ssh connection, which fails at once
// when the connection is gone; a request would say the same 600 ms later
// (the bindings try each request three times, sleeping 100, 200 and
// 300 ms after each failure). The bindings' ssh dialer ignores ctx, so a
// probe that outlasts it is abandoned and counts as a failure.
func (s *service) reachable(ctx context.Context) error {
	type dialed struct {
		nc  net.Conn
		err error
	}
	c := make(chan dialed, 1)
	go func() {
		nc, err := s.conn.GetDialer(ctx)
		c <- dialed{nc, err}
	}()
	select {
	case d := <-c:
		if d.err != nil {
			return d.err
		}
		return d.nc.Close()
	case <-ctx.Done():
		go func() {
			if d := <-c; d.err == nil {
				d.nc.Close()
			}
		}()
		return ctx.Err()
	}
}

// redactURI is uri without a password, if it has one: errors are logged.
func redactURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	return u.Redacted()
}
