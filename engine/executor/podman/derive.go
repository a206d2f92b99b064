//go:build remote

package podman

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/imgpipe/imgpipe/engine/executor"
)

var _ executor.Container = (*Executor)(nil)

// Derive implements executor.Container. If the service has an image named
// tag ("localhost/name:tag"), it returns an Executor over it, with the same
// options, and reused true. Otherwise it makes one: each step runs as Run
// would run it, in a new container from the image the step before made (the
// first from e's image), which is then committed; the last commit is named
// tag, and the ones before it are removed. Containers are removed on every
// path, cancellation included, so a failed or cancelled Derive leaves no
// container and no image.
//
// A step has its own Argv, Env, Dir (empty: the image's working
// directory), Privileged, Network, Devices, Stdout and Stderr. Steps
// change only the image: Inputs, OutputDir and Stdin are refused, since
// mounted or copied paths would not be committed, or would be. The
// image keeps its base's ENTRYPOINT and CMD. Its environment is what the
// last step's container had, since podman commits it: the base's, podman's
// defaults (PATH, TERM, container) and every step's Env, which later steps
// therefore see too; do not pass secrets in Env.
//
// A failing step fails Derive with an *executor.StepError, which wraps an
// *executor.ExitError when the step exited non-zero. Concurrent Derives of
// one tag on one service, in this process, make the image once.
func (e *Executor) Derive(ctx context.Context, tag string, steps []executor.Cmd) (_ executor.Container, reused bool, err error) {
	repo, version, err := splitTag(tag)
	if err != nil {
		return nil, false, err
	}
	if err := checkSteps(e.opts, steps); err != nil {
		return nil, false, fmt.Errorf("podman: make image %s: %w", tag, err)
	}
	unlock, err := lockTag(ctx, connectionURI(e.opts.Connection)+" "+tag)
	if err != nil {
		return nil, false, interrupted(ctx, tag)
	}
	defer unlock()
	svc, err := e.link.service(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("podman: make image %s: %w", tag, err)
	}
	id, err := svc.imageID(ctx, tag)
	if err != nil {
		return nil, false, fmt.Errorf("podman: look up image %q: %w", tag, err)
	}
	if id != "" {
		return e.withImage(id), true, nil
	}
	if id, err = e.derive(ctx, svc, repo, version, steps); err != nil {
		return nil, false, err
	}
	return e.withImage(id), false, nil
}

// derive makes the image repo:version from steps and returns its ID.
func (e *Executor) derive(ctx context.Context, svc *service, repo, version string, steps []executor.Cmd) (_ string, err error) {
	tag := repo + ":" + version
	entrypoint, cmd, err := svc.imageCommand(ctx, e.imageID)
	if err != nil {
		return "", orInterrupted(ctx, tag, fmt.Errorf("podman: make image %s: inspect %s: %w", tag, e.imageID, err))
	}
	// Without these the image would run the last step by default.
	changes := []string{"ENTRYPOINT " + jsonList(entrypoint), "CMD " + jsonList(cmd)}
	var made []string // intermediate images, removed at the end
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
		defer cancel()
		for _, id := range slices.Backward(made) {
			if rerr := svc.removeImage(rctx, id); rerr != nil {
				err = errors.Join(err, fmt.Errorf("podman: remove intermediate image %s: %w", id, rerr))
			}
		}
	}()
	image := e.imageID
	for i, step := range steps {
		r, t := "", ""
		if i == len(steps)-1 {
			r, t = repo, version
		}
		if image, err = e.step(ctx, svc, image, step, r, t, changes); err != nil {
			return "", &executor.StepError{Tag: tag, Step: i, Argv: step.Argv, Err: err}
		}
		if r == "" {
			made = append(made, image)
		}
	}
	return image, nil
}

// step runs step in a new container of image, commits it as repo:tag (or
// unnamed) and returns the new image's ID.
func (e *Executor) step(ctx context.Context, svc *service, image string, step executor.Cmd, repo, tag string, changes []string) (_ string, err error) {
	name := step.Argv[0]
	opts, err := e.opts.forCmd(step)
	if err != nil {
		return "", err
	}
	s, err := containerSpec(containerName(), image, opts, step, true)
	if err != nil {
		return "", err
	}
	c := &container{svc: svc, name: s.Name}
	defer func() { err = errors.Join(err, c.remove(ctx)) }()
	if err := c.svc.create(ctx, s); err != nil {
		return "", orInterrupted(ctx, name, fmt.Errorf("podman: create a container for %q: %w", name, err))
	}
	code, err := c.exec(ctx, step)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", &executor.ExitError{Argv: step.Argv, Code: int(code)}
	}
	id, err := c.svc.commit(ctx, c.name, repo, tag, changes)
	if err != nil {
		return "", orInterrupted(ctx, name, fmt.Errorf("podman: commit the container of %q: %w", name, err))
	}
	return id, nil
}

// checkSteps refuses steps Derive cannot run.
func checkSteps(opts Options, steps []executor.Cmd) error {
	if len(steps) == 0 {
		return errors.New("no steps")
	}
	for i, step := range steps {
		switch {
		case len(step.Argv) == 0:
			return fmt.Errorf("step %d: %w", i+1, errEmptyArgv)
		case len(step.Inputs) > 0 || step.OutputDir != "" || step.Stdin != nil:
			return fmt.Errorf("step %d %q: steps cannot have inputs, an output directory or stdin: "+
				"they change only the image", i+1, step.Argv)
		}
		if _, err := opts.forCmd(step); err != nil {
			return fmt.Errorf("step %d %q: %w", i+1, step.Argv, err)
		}
	}
	return nil
}

// jsonList is list as a JSON array, for a Dockerfile-style change.
func jsonList(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list) // cannot fail
	return string(b)
}

// withImage returns an Executor like e over the image id.
func (e *Executor) withImage(id string) *Executor {
	d := *e
	d.imageID = id
	return &d
}

// splitTag splits "localhost/name:tag" into repository and tag; Derive's
// images are always tagged.
func splitTag(ref string) (repo, tag string, err error) {
	i := strings.LastIndex(ref, ":")
	if i <= 0 || strings.Contains(ref[i:], "/") || i == len(ref)-1 {
		return "", "", fmt.Errorf("podman: image name %q: want repository:tag, e.g. localhost/buildroot:1", ref)
	}
	return ref[:i], ref[i+1:], nil
}

// tagLocks serialises Derives of one image on one service.
var tagLocks struct {
	sync.Mutex
	m map[string]*tagLock
}

type tagLock struct {
	sem   chan struct{} // holds a value while locked
	users int
}

// lockTag locks key, waiting until ctx is done at most, and returns its
// unlock; the entry goes when its last user is done with it.
func lockTag(ctx context.Context, key string) (unlock func(), err error) {
	tagLocks.Lock()
	if tagLocks.m == nil {
		tagLocks.m = map[string]*tagLock{}
	}
	l := tagLocks.m[key]
	if l == nil {
		l = &tagLock{sem: make(chan struct{}, 1)}
		tagLocks.m[key] = l
	}
	l.users++
	tagLocks.Unlock()
	release := func() {
		tagLocks.Lock()
		if l.users--; l.users == 0 {
			delete(tagLocks.m, key)
		}
		tagLocks.Unlock()
	}
	select {
	case l.sem <- struct{}{}:
		return func() { <-l.sem; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
