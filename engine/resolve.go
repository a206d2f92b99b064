package engine

import (
	"context"

	"github.com/hashicorp/hcl/v2"
)

// Resolve pins the sources of the plan's source stages (Kind.Resolve),
// opens the plan's container executors (PlanOptions.Containers: each
// distinct executor and image once, so stage IDs name image IDs), and
// recomputes every stage ID from them. `run` and `plan` call it; `validate`
// does not, so validation never touches the network. An executor that
// cannot be opened is a warning here (its stages keep provisional IDs) and
// an *ExecutorError from Run.
func (p *Plan) Resolve(ctx context.Context) hcl.Diagnostics {
	var diags diagSet
	resolved := map[string]string{} // by the pre-resolution ID: same config, same source
	for _, n := range p.Nodes {
		if n.Kind.Resolve == nil {
			continue
		}
		if r, ok := resolved[n.ID]; ok {
			n.Resolved = r
			continue
		}
		r, d := n.Kind.Resolve(ctx, n.config, p.Recipe.Dir)
		diags.add(d...)
		n.Resolved = r
		resolved[n.ID] = r
	}
	p.recomputeIDs()
	diags.add(p.openContainers(ctx)...)
	return diags.list
}

// SetRelease settles the build's release: kinds with UsesRelease see it,
// and their stage IDs (and those of stages after them) change with it.
func (p *Plan) SetRelease(release string) {
	p.Build.Release = release
	for _, n := range p.Nodes {
		n.release = release
	}
	p.recomputeIDs()
}

// recomputeIDs recomputes every stage ID. Nodes are in topological order,
// so each ID is recomputed after the IDs it depends on.
func (p *Plan) recomputeIDs() {
	for _, n := range p.Nodes {
		n.ID = stageID(n, n.Arches[0])
	}
}
