package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/cache"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// The team cache (docs/team-cache.md): after the store missed, a stage is
// looked up in RunOptions.CacheFrom by its ID, then by its content key,
// and its object pulled into the store, verified; after a stage succeeded
// (or its object was found in the store), its object is pushed to
// RunOptions.CacheTo, in the background (pushQueue). A cache that cannot be reached is said once and not
// asked again in the run: the run builds here.

// remoteState is what a run knows of its team caches.
type remoteState struct {
	mu   sync.Mutex
	down map[cache.Remote]bool
}

// usable reports whether c may be asked: set, and not found down in this
// run.
func (s *remoteState) usable(c cache.Remote) bool {
	if c == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.down[c]
}

// markDown records that c cannot be reached; it reports whether it was
// the first time, when the run says so.
func (s *remoteState) markDown(c cache.Remote) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down[c] {
		return false
	}
	if s.down == nil {
		s.down = map[cache.Remote]bool{}
	}
	s.down[c] = true
	return true
}

// shareable says why n's object must not go through a team cache, or ""
// when it may: upload runs every time; fetch-ks and flatten (Local kinds)
// read sources with this machine's access and are cheap to redo; and a
// stage whose configuration holds one of secrets
// (docs/reliability-secrets.md) keeps it on this machine. A run asks with
// its secrets, plan with the plan's.
func shareable(secrets *secret.Set, n *Node) string {
	switch {
	case n.Kind.Uncached:
		return "its kind runs every time"
	case n.Kind.Local:
		return "its kind runs on this machine"
	case holdsSecret(secrets, n.Config):
		return "its configuration holds a secret"
	}
	return ""
}

func (r *runner) shareable(n *Node) string { return shareable(r.secrets, n) }

// pull looks n up in the team cache, by its ID and then by its content
// key, and settles it on the object it pulls. A refused entry is said in
// the stage's events, a cache that cannot be reached once in the run; the
// stage then runs here.
func (r *runner) pull(ctx context.Context, n *Node, id, key string) bool {
	c := r.opts.CacheFrom
	if !r.remote.usable(c) || r.shareable(n) != "" {
		return false
	}
	accept := func(res *store.Result) error { return acceptPulled(n, res) }
	queries := []cache.Query{{ID: id, Accept: accept}}
	if key != "" {
		queries = append(queries, cache.Query{ContentKey: key, Accept: accept})
	}
	for _, q := range queries {
		if !r.remote.usable(c) {
			return false
		}
		// Recorded first, so that gc keeps what the pull brings.
		if r.uses.Add(id) != nil {
			return false
		}
		got, err := c.Fetch(ctx, r.store, q)
		if err != nil {
			r.remoteFailed(n, c, "pull from", err)
			continue
		}
		if r.reuseObject(ctx, n, got, fmt.Sprintf("its object was pulled from the team cache %s (by %s)", c, q), true) {
			return true
		}
	}
	return false
}

// maxPushers bounds the pushes to the team cache in flight: enough to
// keep a slow link busy, few enough not to starve the stages of it.
const maxPushers = 3

// pushJob is one object to push, queued once it is committed.
type pushJob struct {
	n       *Node
	id      string
	aliases []string
}

// pushQueue hands committed objects to maxPushers pushers, in the
// background: a stage is reported done at once, and the stages after it
// do not wait for its upload. Every push of one object goes to the same
// pusher, in order, so an alias is pushed after its object's entry. A
// node pushes at most once, so a queue as long as the plan never blocks.
type pushQueue struct {
	lanes   []chan pushJob
	wg      sync.WaitGroup
	pending atomic.Int64 // queued and not yet done
}

// startPushers starts r's pushers. ctx is the run's caller's: an
// interrupt abandons the pushes (an entry is its manifest, pushed last,
// so none is left half-written), but another arch's failure, which
// cancels the stages, does not stop the objects already made from being
// shared.
func (r *runner) startPushers(ctx context.Context) {
	if r.opts.CacheTo == nil {
		return
	}
	for range maxPushers {
		lane := make(chan pushJob, len(r.plan.Nodes))
		r.pushes.lanes = append(r.pushes.lanes, lane)
		r.pushes.wg.Go(func() {
			for job := range lane {
				r.pushNow(ctx, job)
			}
		})
	}
}

// waitPushes waits for the queued pushes to end: a run finishes after
// its pushes, so that what it said it shares is in the cache.
func (r *runner) waitPushes() {
	// On a slow link the last pushes take a while: say so, so that the
	// end of the run does not look stalled.
	if n := r.pushes.pending.Load(); n > 0 {
		r.emit(events.Event{Type: events.RunPushing, Pushes: int(n)})
	}
	for _, lane := range r.pushes.lanes {
		close(lane)
	}
	r.pushes.wg.Wait()
}

// push queues n's object id for the team cache, best effort: a failure is
// a warning in the stage's events, and a cache that cannot be reached is
// not asked again in the run. The object is committed and in the run's
// uses (objects.list), so gc keeps it while it is pushed.
func (r *runner) push(ctx context.Context, n *Node, id string) {
	c := r.opts.CacheTo
	if !r.remote.usable(c) || ctx.Err() != nil {
		return
	}
	if why := r.shareable(n); why != "" {
		if n.Kind.Local || n.Kind.Uncached {
			return // said in docs/team-cache.md; not worth a line per run
		}
		r.stageWarning(n, fmt.Sprintf("not pushed to the team cache %s: %s", c, why))
		return
	}
	var aliases []string
	if own := r.id(n); own != id {
		aliases = append(aliases, own)
	}
	lane := fnv.New32a()
	lane.Write([]byte(r.store.Target(id)))
	r.pushes.pending.Add(1)
	r.pushes.lanes[lane.Sum32()%uint32(len(r.pushes.lanes))] <- pushJob{n: n, id: id, aliases: aliases}
}

// pushNow pushes one queued object, unless the run was interrupted or
// the cache found down meanwhile.
func (r *runner) pushNow(ctx context.Context, job pushJob) {
	defer r.pushes.pending.Add(-1)
	c := r.opts.CacheTo
	if !r.remote.usable(c) || ctx.Err() != nil {
		return
	}
	if err := c.Push(ctx, r.store, job.id, job.aliases); err != nil {
		r.remoteFailed(job.n, c, "push to", err)
	}
}

// remoteFailed says what went wrong with a team cache: a miss is nothing,
// a refused entry a warning of the stage, a cache that cannot be reached
// one warning for the run.
func (r *runner) remoteFailed(n *Node, c cache.Remote, what string, err error) {
	switch {
	case errors.Is(err, cache.ErrMiss), errors.Is(err, context.Canceled):
	case isUnreachable(err):
		if r.remote.markDown(c) {
			r.stageWarning(n, fmt.Sprintf("%v; the run builds without it", err))
		}
	default:
		r.stageWarning(n, fmt.Sprintf("%s the team cache: %v; building it here", what, err))
	}
}

func isUnreachable(err error) bool {
	_, ok := errors.AsType[*cache.UnreachableError](err)
	return ok
}

// stageWarning is one warning line in a stage's events.
func (r *runner) stageWarning(n *Node, msg string) {
	e := r.nodeEvent(events.StageLog, n)
	e.Line = "warning: " + msg
	r.emit(e)
}

// acceptPulled checks that a pulled record's outputs are n's, and that
// each file output names a file (or a directory of files) of the record:
// an entry that would hand the stages after it a path outside its object
// is refused before anything is fetched.
func acceptPulled(n *Node, res *store.Result) error {
	v, err := kind.DecodeOutputs(res.Outputs, n.outputs)
	if err != nil {
		return fmt.Errorf("its outputs are not those of %s: %w", n.Name, err)
	}
	for _, p := range n.Kind.PathsOf(n.outputs, v) {
		rel := filepath.ToSlash(filepath.Clean(p))
		if !filepath.IsLocal(p) || rel == store.ResultFile {
			return fmt.Errorf("output path %q is not inside the object", p)
		}
		if _, ok := res.Files[rel]; ok {
			continue
		}
		found := false
		for f := range res.Files {
			if strings.HasPrefix(f, rel+"/") {
				found = true
				break
			}
		}
		if !found && rel != "." {
			return fmt.Errorf("output path %q names no file of the object", p)
		}
	}
	return nil
}

// holdsSecret reports whether a string of v holds one of set's secrets, or
// is the value of a key named as a secret (an env DB_PASSWORD), however
// short.
func holdsSecret(set *secret.Set, v cty.Value) bool {
	found := false
	cty.Walk(v, func(p cty.Path, v cty.Value) (bool, error) {
		if found || v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		if v.Type() == cty.String {
			found = set.Contains(v.AsString())
			if len(p) > 0 && v.AsString() != "" {
				switch step := p[len(p)-1].(type) {
				case cty.GetAttrStep:
					found = found || secret.IsSecretName(step.Name)
				case cty.IndexStep:
					if step.Key.Type() == cty.String {
						found = found || secret.IsSecretName(step.Key.AsString())
					}
				}
			}
		}
		return !found, nil
	})
	return found
}
