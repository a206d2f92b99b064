//go:build remote

package podman

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// sweepTimeout bounds a sweep, so that a service that hangs does not hold
// up the command that sweeps first.
const sweepTimeout = 30 * time.Second

// Removed is a container SweepContainers removed.
type Removed struct {
	// Name is the container's name.
	Name string
	// Owner is the pid the killed imgpipe that created it had.
	Owner string
	// URI is the service it was on.
	URI string
}

func (r Removed) String() string {
	return fmt.Sprintf("removed container %s left by a killed imgpipe (pid %s; %s)", r.Name, r.Owner, r.URI)
}

// SweepContainers force-removes, with their anonymous volumes, the
// containers that imgpipe processes which were killed (SIGKILL, a crash)
// left on the local podman service at connection (as Options.Connection;
// "" is $CONTAINER_HOST or the default socket): those labelled
// io.imgpipe.executor whose owner labels (executor.OwnerLabels) name a
// process of this boot and pid namespace that is gone. What a live imgpipe
// runs, or one of another machine or container, is never touched. Without
// a reachable unix:// service it does nothing and says nothing: podman is
// optional. It returns what it removed and why it could not remove others.
func SweepContainers(ctx context.Context, connection string) ([]Removed, error) {
	uri := connectionURI(connection)
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "unix" {
		return nil, nil // a remote service is another machine's
	}
	if _, err := os.Stat(u.Path); err != nil {
		return nil, nil // no service: dialling would only retry
	}
	ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	svc, err := dial(ctx, uri, "")
	if err != nil {
		return nil, nil // a stale socket: no service listens
	}
	params := url.Values{"all": {"true"}, "filters": {`{"label":["` + labelKey + `"]}`}}
	var list []struct {
		ID     string `json:"Id"`
		Names  []string
		Labels map[string]string
	}
	if err := svc.do(ctx, http.MethodGet, "/containers/json", params, nil, &list); err != nil {
		return nil, fmt.Errorf("podman: list imgpipe's containers on %s: %w", redactURI(uri), err)
	}
	var removed []Removed
	var errs []error
	for _, c := range list {
		if !executor.OwnerGone(c.Labels) {
			continue
		}
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		if err := svc.remove(ctx, c.ID); err != nil {
			errs = append(errs, fmt.Errorf("podman: remove container %s left by a killed imgpipe (pid %s): %w", name, executor.OwnerPID(c.Labels), err))
			continue
		}
		removed = append(removed, Removed{Name: name, Owner: executor.OwnerPID(c.Labels), URI: redactURI(uri)})
	}
	return removed, errors.Join(errs...)
}
