package engine

import (
	"github.com/imgpipe/imgpipe/engine/store"
)

// Status is what a run of the plan would do with one stage instance, as
// far as the store can tell before anything runs (`imgpipe plan`).
type Status string

const (
	// StatusCached: an object exists for its ID, or for its content key
	// (its inputs are all built, and hold the bytes it was made from).
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
)

// Statuses tells, for every node, what a run would do with it; st may be
// nil (no store yet: nothing is built). It also says which IDs are
// provisional: those the run's release decides (a kind that uses the
// release, or a stage after one, when the recipe sets no release) and
// those below a source that could not be resolved.
func (p *Plan) Statuses(st *store.Store) (status map[*Node]Status, provisional map[*Node]bool) {
	status = make(map[*Node]Status, len(p.Nodes))
	provisional = make(map[*Node]bool, len(p.Nodes))
	results := map[*Node]*store.Result{} // the objects of cached nodes
	var content *store.ContentIndex
	if st != nil {
		content = st.ContentIndex("plan")
	}
	for _, n := range p.Nodes { // topological order: deps first
		provisional[n] = n.Unresolved || n.Kind.UsesRelease && p.Build.Release == ""
		built := true // every input has its object
		for _, dep := range n.Deps {
			provisional[n] = provisional[n] || provisional[dep]
			built = built && results[dep] != nil
		}
		lookup := func(id string) bool {
			if st == nil {
				return false
			}
			res, ok, err := st.Lookup(id)
			if ok && err == nil {
				results[n] = res
			}
			return ok && err == nil
		}
		switch {
		case n.Unresolved:
			status[n] = StatusUnknown
		case lookup(n.ID):
			status[n] = StatusCached
		case !built:
			status[n] = StatusUnknown
		default:
			status[n] = StatusRun
			key := contentKeyOf(n, func(dep *Node) *store.Result { return results[dep] })
			if key == "" || content == nil {
				break
			}
			if id, ok := content.Lookup(key); ok && lookup(id) {
				status[n] = StatusCached
			}
		}
		if n.Kind.Uncached && status[n] == StatusCached {
			status[n] = StatusCheck
		}
	}
	return status, provisional
}

// contentKeyOf computes n's content key from the objects its inputs
// settled on (resultOf), or returns "" when one of them has none or cannot
// tell its outputs' digests.
func contentKeyOf(n *Node, resultOf func(*Node) *store.Result) string {
	failed := false
	key := contentKey(n, n.Arches[0], n.release, func(dep *Node, output string) string {
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
