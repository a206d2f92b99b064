package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/canonjson"
)

// A run settles its build's release from what the build is made of
// (docs/architecture.md#releases, docs/decisions/0012): once every stage the
// release does not decide has settled, the release key hashes the stages
// it does decide, each with the digests of the outputs it reads from the
// others. The same images mean the same key, whatever the stage IDs
// upstream: a kickstart comment that flattens away leaves the published
// build up to date.

// releaseGate holds back the stages the release decides until it is
// settled.
type releaseGate struct {
	// decided are the stages the release decides: kinds that use it, and
	// the stages after one.
	decided map[*Node]bool
	// others counts the other stages down as they settle, when the
	// release is used at all (active).
	active  bool
	others  sync.WaitGroup
	settled chan struct{}

	// Set before settled is closed.
	release store.Release
	build   kind.Build // the plan's build, with the release
	key     string
	err     error
	unlock  func()
	ids     map[*Node]string // the decided stages' IDs with the release
}

func newReleaseGate(p *Plan) *releaseGate {
	g := &releaseGate{decided: releaseDecides(p), settled: make(chan struct{}), build: p.Build, ids: map[*Node]string{}}
	if !p.UsesRelease() {
		close(g.settled)
		return g
	}
	g.active = true
	for _, n := range p.Nodes {
		if !g.decided[n] {
			g.others.Add(1)
		}
	}
	return g
}

// settledOne counts a stage the release does not decide as settled.
func (g *releaseGate) settledOne(n *Node) {
	if g.active && !g.decided[n] {
		g.others.Done()
	}
}

// releaseDecides returns the stages the release decides: kinds that use
// it, and the stages after one.
func releaseDecides(p *Plan) map[*Node]bool {
	decided := map[*Node]bool{}
	for _, n := range p.Nodes { // topological: deps first
		decided[n] = n.UsesRelease() || slices.ContainsFunc(n.Deps, func(d *Node) bool { return decided[d] })
	}
	return decided
}

// settle waits for the stages the release does not decide, then claims the
// release with the key their outputs give, computes the IDs of the stages
// it decides and opens the gate.
func (r *runner) settle(ctx context.Context) {
	g := r.gate
	defer close(g.settled)
	g.others.Wait()
	if ctx.Err() != nil {
		return // the decided stages see the cancelled context
	}
	if failed := r.requiredFailed(); len(failed) > 0 {
		// Only with KeepGoing does the run get here: a build that failed
		// gets no release, and nothing is published.
		g.err = fmt.Errorf("the build failed for required arch %s", strings.Join(failed, ", "))
		return
	}
	g.key = releaseKey(r.plan, g.decided, func(n *Node) *store.Result { return r.states[n].res })
	b := r.plan.Build
	rel, unlock, err := r.store.ClaimRelease(store.ReleaseClaim{
		Name: b.Name, Version: b.Version, Release: b.Release, Scratch: b.Scratch,
		Key: g.key, Run: r.runID,
	})
	if err != nil {
		g.err = err
		return
	}
	g.release, g.unlock = rel, unlock
	g.build.Release = rel.Release
	for _, n := range r.plan.Nodes {
		if g.decided[n] {
			g.ids[n] = stageIDWith(n, n.Arches[0], rel.Release, r.id)
		}
	}
	r.emit(events.Event{Type: events.RunRelease, Build: b.Name + "-" + b.Version + "-" + rel.Release, UpToDate: rel.UpToDate})
}

// releaseKey hashes every stage the release decides, with no release, its
// Record attributes left out, and in place of each input it reads: the
// input's release key when the release decides it too, else the digest of
// its output, or its ID when it has no object (it failed, or was skipped).
func releaseKey(p *Plan, decided map[*Node]bool, resultOf func(*Node) *store.Result) string {
	keys := map[*Node]string{}
	var all []string
	for _, n := range p.Nodes {
		if !decided[n] {
			continue
		}
		m := ownMaterial(n, n.Arches[0], "")
		m.Config = canonjson.Marshal(releaseConfig(n))
		m.Outputs = map[string]string{"": "release key"}
		for name, outputs := range n.relUses {
			dep := n.depNames[name]
			for _, o := range outputs {
				var v string
				switch res := resultOf(dep); {
				case decided[dep]:
					v = "release " + keys[dep]
				case res != nil:
					d, err := dep.Kind.OutputDigest(dep.outputs, res, o)
					if err != nil {
						d = "unreadable " + dep.ID
					}
					v = d
				default:
					v = "unbuilt " + dep.ID
				}
				m.Outputs[name+"."+o] = v
			}
		}
		keys[n] = m.hash()
		all = append(all, keys[n])
	}
	slices.Sort(all)
	sum := sha256.Sum256([]byte(strings.Join(all, "\n")))
	return hex.EncodeToString(sum[:])
}

// releaseConfig is the configuration the release key hashes: the stage
// ID's, without Record attributes.
func releaseConfig(n *Node) cty.Value {
	cfg := idConfig(n)
	if !cfg.Type().IsObjectType() {
		return cfg
	}
	vals := cfg.AsValueMap()
	for _, a := range n.Kind.Attrs {
		if a.Record {
			delete(vals, a.Name)
		}
	}
	return cty.ObjectVal(vals)
}

// requiredFailed lists the required arches that failed so far, sorted.
func (r *runner) requiredFailed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var failed []string
	for _, a := range r.plan.Build.Arches {
		if r.failed[a] && r.plan.Build.Required(a) {
			failed = append(failed, a)
		}
	}
	return failed
}
