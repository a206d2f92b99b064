package engine

import (
	"context"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/recipe"
)

// PrepareOptions are the inputs to Prepare besides the recipe.
type PrepareOptions struct {
	// Vars are -var name=value settings, applied over VarFiles.
	Vars []string
	// VarFiles are -var-file paths, applied in order over defaults.
	VarFiles []string
	// Executors are executors given by name: they serve every stage whose
	// executor has that name, in place of the host or a container Prepare
	// would open. "host" is always available.
	Executors map[string]executor.Executor
	// Containers opens container executors ("podman" and executor blocks),
	// so that stage IDs name image IDs and the run uses those same
	// executors. Nil: stages that run in containers plan with their
	// image's name in their ID and cannot run, unless Executors has them.
	Containers executor.Opener
	// CheckOnly evaluates and checks the recipe without looking outside
	// it: local inputs are checked but not hashed, sources are not
	// resolved and no executor is opened, so stage IDs are provisional
	// and the plan cannot run. It is what `imgpipe validate` does.
	CheckOnly bool
	// AllowUnresolved makes a source that cannot be resolved (a host that
	// cannot be reached, a commit that is not there) a warning instead of
	// an error: its stage keeps a provisional ID (Node.Unresolved), and so
	// do the stages after it, and Run refuses the plan. `imgpipe plan` and
	// `graph` show a recipe so, offline.
	AllowUnresolved bool
	// Settings set attributes of every stage of a kind over the recipe's
	// values, and so change their IDs (command-line flags for one run).
	Settings []Setting
}

// Prepare turns a recipe into a plan a run can walk, in one step: it
// evaluates variables, locals and the build block, checks every stage block
// against its kind, instantiates the stages per architecture and computes
// their IDs; unless opts.CheckOnly, it then hashes local inputs, pins the
// sources of source stages (Kind.Resolve: a branch to its commit, a tree to
// its digest), opens the container executors, and computes the final stage
// IDs from all of that.
//
// Every problem is a diagnostic; the plan and executors are nil if any is an
// error. An executor that cannot be opened is a warning: its stages keep
// provisional IDs, and Run returns its *executor.OpenError before starting.
func (p *Planner) Prepare(ctx context.Context, r *recipe.Recipe, opts PrepareOptions) (*Plan, *Executors, hcl.Diagnostics) {
	plan, diags := p.plan(r, opts)
	if plan == nil {
		return nil, nil, diags
	}
	execs := &Executors{named: opts.Executors, opener: opts.Containers}
	if opts.CheckOnly {
		return plan, execs, diags
	}
	var all eval.DiagSet
	all.Add(diags...)
	all.Add(plan.resolveSources(ctx, opts.AllowUnresolved)...)
	all.Add(execs.open(ctx, plan)...)
	plan.recomputeIDs()
	if all.HasErrors() {
		return nil, nil, all.List()
	}
	return plan, execs, all.List()
}

// resolveSources pins the sources of the plan's source stages. It may reach
// the network (git ls-remote) but never downloads content. With
// allowUnresolved, a source that cannot be resolved is reported as a
// warning and its node marked Unresolved.
func (p *Plan) resolveSources(ctx context.Context, allowUnresolved bool) hcl.Diagnostics {
	var diags eval.DiagSet
	type resolution struct {
		source string
		failed bool
	}
	resolved := map[string]resolution{} // by the pre-resolution ID: same config, same source
	for _, n := range p.Nodes {
		if n.Kind.Resolve == nil {
			continue
		}
		r, ok := resolved[n.ID]
		if !ok {
			source, d := n.Kind.Resolve(ctx, n.config, p.Recipe.Dir)
			if d.HasErrors() && allowUnresolved {
				d = unresolvedWarnings(d)
				r.failed = true
			}
			diags.Add(d...)
			r.source = source
			resolved[n.ID] = r
		}
		n.Resolved, n.Unresolved = r.source, r.failed
	}
	return diags.List()
}

// unresolvedWarnings turns the errors of a source that could not be
// resolved into warnings that say what follows.
func unresolvedWarnings(diags hcl.Diagnostics) hcl.Diagnostics {
	out := make(hcl.Diagnostics, 0, len(diags))
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			w := *d
			w.Severity = hcl.DiagWarning
			w.Summary = "Source not resolved: " + d.Summary
			w.Detail = strings.TrimSuffix(d.Detail, ".") + ". The plan shows this source unresolved: the stage's ID, and those of the stages after it, are provisional. imgpipe run resolves it again, and fails if it still cannot."
			d = &w
		}
		out = append(out, d)
	}
	return out
}

// recomputeIDs recomputes every stage ID while the plan is being prepared.
// Nodes are in topological order, so each ID is recomputed after the IDs it
// depends on.
func (p *Plan) recomputeIDs() {
	for _, n := range p.Nodes {
		n.ID = stageID(n, n.Arches[0])
	}
}
