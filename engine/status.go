package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/imgpipe/imgpipe/engine/cache"
	"github.com/imgpipe/imgpipe/engine/store"
)

// Status is what a run of the plan would do with one stage instance, as
// far as the store can tell before anything runs (`imgpipe plan`).
type Status string

const (
	// StatusCached: an intact object exists for its ID, or for its
	// content key (its inputs are all built, and hold the bytes it was
	// made from).
	StatusCached Status = "cached"
	// StatusRun: its inputs are all built and no object has its content:
	// it runs.
	StatusRun Status = "run"
	// StatusUnknown: an input is not built yet. Once it is, early cutoff
	// may still find the stage's object, if the input's bytes come out the
	// same.
	StatusUnknown Status = "unknown"
	// StatusCheck: a kind that runs every time to check its destination
	// (upload), whose object exists.
	StatusCheck Status = "check"
	// StatusPull: the store has no object for it, the team cache has an
	// entry for its ID (or its content key): a run pulls it, verified,
	// instead of running it (docs/team-cache.md).
	StatusPull Status = "pull"
)

// StatusReport is what Plan.StatusesWithCache tells of each node.
type StatusReport struct {
	Status map[*Node]Status
	// Provisional and IDs are as Plan.Statuses returns them.
	Provisional map[*Node]bool
	IDs         map[*Node]string
	// Reason says, for a node whose status is StatusPull, which entry of
	// the team cache holds its object.
	Reason map[*Node]string
	// CacheErr is why the team cache could not be asked (a
	// *cache.UnreachableError): the statuses are then those without it.
	CacheErr error
}

// Statuses tells, for every node, what a run would do with it; st may be
// nil (no store yet: nothing is built). It also says which IDs are
// provisional: those the run's release decides (a kind that uses the
// release, or a stage after one, when the recipe sets no release and no
// published build has what the run would make), and those at or below a
// source that could not be resolved or a container executor that could
// not be opened.
//
// As a run does, it looks at the stages the release decides once it knows
// the others: when every one of those has its object, the release key
// they give names the published build a run would find up to date, and so
// the release, and so the IDs of the stages it decides.
//
// ids are the IDs a run would use: the plan's, or, for the stages the
// release decides, those that release gives.
func (p *Plan) Statuses(st *store.Store) (status map[*Node]Status, provisional map[*Node]bool, ids map[*Node]string) {
	r := p.statuses(context.Background(), st, nil)
	return r.Status, r.Provisional, r.IDs
}

// StatusesWithCache is Statuses that also asks the team cache remote
// (nil: none), read-only, for the stages the store has no object for and
// a run would pull (those a run may share, engine/remotecache.go): by ID,
// then by content key when the store can tell it. Each question is a
// manifest HEAD (cache.Remote.Has): nothing is fetched, so an entry a run
// would refuse on pulling it still shows as StatusPull. A stage after one
// that would be pulled is StatusUnknown unless the cache has it too: its
// content key needs the pulled object's record. A cache that cannot be
// reached is asked nothing more, and the report is the one without it,
// with CacheErr saying why.
func (p *Plan) StatusesWithCache(ctx context.Context, st *store.Store, remote cache.Remote) StatusReport {
	r := p.statuses(ctx, st, remote)
	if r.CacheErr != nil {
		err := r.CacheErr
		r = p.statuses(ctx, st, nil)
		r.CacheErr = err
	}
	return r
}

func (p *Plan) statuses(ctx context.Context, st *store.Store, remote cache.Remote) StatusReport {
	status := make(map[*Node]Status, len(p.Nodes))
	provisional := make(map[*Node]bool, len(p.Nodes))
	ids := make(map[*Node]string, len(p.Nodes))
	reason := map[*Node]string{}
	var cacheErr error
	// inCache asks the team cache for q, until it cannot be reached.
	inCache := func(q cache.Query) bool {
		if remote == nil || cacheErr != nil {
			return false
		}
		has, err := remote.Has(ctx, q)
		if _, down := errors.AsType[*cache.UnreachableError](err); down || ctx.Err() != nil {
			cacheErr = err
			if err == nil {
				cacheErr = ctx.Err()
			}
			return false
		}
		return err == nil && has
	}
	results := map[*Node]*store.Result{} // the objects of cached nodes
	var content *store.ContentIndex
	if st != nil {
		content = st.ContentIndex("") // reads only
	}
	decided := releaseDecides(p)
	release := p.Build.Release
	idOf := func(n *Node) string {
		if id, ok := ids[n]; ok {
			return id
		}
		return n.ID
	}
	settle := func(n *Node) {
		built := true // every input has its object
		for _, dep := range n.Deps {
			provisional[n] = provisional[n] || provisional[dep]
			built = built && results[dep] != nil
		}
		lookup := func(id string) bool {
			if st == nil {
				return false
			}
			// A damaged object is not reused: the run builds it again.
			res, damage, err := st.VerifyObject(id, false)
			if err == nil && len(damage) == 0 {
				results[n] = res
			}
			return err == nil && len(damage) == 0
		}
		// As a run looks (engine/run.go, visit): the store by ID, by
		// content key, then the team cache by ID, by content key.
		key := ""
		if built {
			key = contentKeyOf(n, release, func(dep *Node) *store.Result { return results[dep] })
		}
		pullable := remote != nil && shareable(p.Secrets, n) == ""
		switch {
		case n.Unresolved:
			status[n] = StatusUnknown
		case lookup(idOf(n)):
			status[n] = StatusCached
		case key != "" && content != nil && lookupKey(content, key, lookup):
			status[n] = StatusCached
		case pullable && inCache(cache.Query{ID: idOf(n)}):
			status[n] = StatusPull
			reason[n] = fmt.Sprintf("its object is in the team cache %s (by %s)", remote, cache.Query{ID: idOf(n)})
		case pullable && key != "" && inCache(cache.Query{ContentKey: key}):
			status[n] = StatusPull
			reason[n] = fmt.Sprintf("its object is in the team cache %s (by %s)", remote, cache.Query{ContentKey: key})
		case !built:
			status[n] = StatusUnknown
		default:
			status[n] = StatusRun
		}
		if n.Kind.Uncached && status[n] == StatusCached {
			status[n] = StatusCheck
		}
	}
	allBuilt := true
	for _, n := range p.Nodes { // topological order: deps first
		if !decided[n] {
			provisional[n] = n.Unresolved || n.Unopened
			settle(n)
			allBuilt = allBuilt && results[n] != nil
		}
	}
	if release == "" && allBuilt && st != nil && p.UsesRelease() {
		key := releaseKey(p, decided, func(n *Node) *store.Result { return results[n] })
		release, _ = st.PublishedRelease(p.Build.Name, p.Build.Version, key)
	}
	for _, n := range p.Nodes {
		if !decided[n] {
			continue
		}
		provisional[n] = n.Unresolved || n.Unopened || release == ""
		if release != "" && release != n.release {
			ids[n] = stageIDWith(n, n.Arches[0], release, idOf)
		}
		settle(n)
	}
	for _, n := range p.Nodes {
		ids[n] = idOf(n)
	}
	return StatusReport{Status: status, Provisional: provisional, IDs: ids, Reason: reason, CacheErr: cacheErr}
}

// lookupKey finds an intact object made with content key key.
func lookupKey(content *store.ContentIndex, key string, lookup func(id string) bool) bool {
	id, ok := content.Lookup(key)
	return ok && lookup(id)
}

// contentKeyOf computes n's content key from the objects its inputs
// settled on (resultOf), or returns "" when one of them has none or cannot
// tell its outputs' digests.
func contentKeyOf(n *Node, release string, resultOf func(*Node) *store.Result) string {
	failed := false
	key := contentKey(n, n.Arches[0], release, func(dep *Node, output string) string {
		res := resultOf(dep)
		if res == nil {
			failed = true
			return ""
		}
		d, err := dep.Kind.OutputDigest(dep.outputs, res, output)
		failed = failed || err != nil
		return d
	})
	if failed {
		return ""
	}
	return key
}
