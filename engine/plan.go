package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/graph"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Plan is a recipe resolved into stage instances: what Prepare returns and
// Run walks. It is a value: nothing changes it once Prepare has returned it
// (Run works on a copy when it settles the release), and it holds no open
// connection or other run-time resource (those are Executors).
type Plan struct {
	Recipe *recipe.Recipe
	Build  kind.Build
	// Nodes are the distinct stage instances in a topological order that
	// follows the recipe's stage order where the graph allows.
	Nodes []*Node
	// Preset is the recipe's preset block, evaluated, if it has one.
	Preset *kind.PresetBlock
	// Instances maps stage name and arch to the node that serves it.
	Instances map[string]map[string]*Node
	// ExecutorBlocks are the recipe's executor blocks, evaluated.
	ExecutorBlocks []*ExecutorBlock

	// Vars are the variables' values, for evaluating the recipe's blocks
	// again (the Koji exporters evaluate the preset block per arch).
	Vars cty.Value

	scopes map[string]*eval.Scope // per arch, for evaluating stage blocks at run time
}

// ExecutorBlock is an evaluated executor block.
type ExecutorBlock = eval.ExecutorBlock

// Node is one stage instance: a stage block evaluated for one or more
// architectures that resolve to the same stage ID. Nodes are told apart by
// Key (stage and arch), not by ID: two stages that do the same thing have
// the same ID, and share one object in the store, but stay two nodes.
type Node struct {
	ID     string
	Name   string
	Kind   *kind.Kind
	Stage  *recipe.Stage
	Arches []string
	// Arch labels the node: its one arch, NoArch when it serves every arch
	// of the build, or the arches joined with "+".
	Arch string
	// Config is the resolved configuration with references to other
	// stages' outputs left as placeholders: what the stage ID hashes.
	Config cty.Value
	// Deps are the nodes this one references or depends on, sorted by ID.
	Deps []*Node
	// Inputs maps each local path (as written) to its content digest.
	Inputs map[string]string
	// Executor names the executor the node runs on: "host", "podman" or
	// an executor block's name (named by the stage, or routed to by its
	// arch). ExecutorIdentity is what of it enters the stage ID: before
	// Prepare opens the container executors, a container's image by
	// name; after, by ID.
	Executor         string
	ExecutorIdentity string
	// Container is set for a node that runs in a container: the executor,
	// its connection and the image. Nil for the host.
	Container *executor.ContainerSpec

	Timeout time.Duration

	// Resolved is what a source stage's source resolved to (a commit, a
	// content digest); it is part of the stage ID. Unresolved says the
	// source could not be resolved (PrepareOptions.AllowUnresolved): the
	// ID is provisional and the plan cannot run.
	Resolved   string
	Unresolved bool

	config   *kind.Config
	release  string   // the build's release, for kinds with UsesRelease
	outputs  []string // every output name, declared and dynamic
	evalArch string   // the arch to evaluate the block with at run time
	depNames map[string]*Node
	uses     map[string][]string // the outputs it reads, by stage name (stageInfo.uses)
	relUses  map[string][]string // those outside Record attributes (stageInfo.releaseUses)
	localAbs map[string]string   // path as written → absolute path
}

// Outputs returns the node's output names.
func (n *Node) Outputs() []string { return n.outputs }

// Key names the node in the plan: its stage and its arch label, as in
// "disk [x86_64]". Unlike the ID, it is unique.
func (n *Node) Key() string { return n.Name + " [" + n.Arch + "]" }

// Planner turns recipes into plans using a fixed set of kinds.
type Planner struct {
	kinds   map[string]*kind.Kind
	names   []string // canonical kind names, for suggestions
	presets map[string]*kind.Preset
}

// NewPlanner returns a planner that knows the given kinds and presets.
func NewPlanner(kinds []*kind.Kind, presets ...*kind.Preset) *Planner {
	p := &Planner{kinds: map[string]*kind.Kind{}, presets: map[string]*kind.Preset{}}
	for _, pr := range presets {
		p.presets[pr.Name] = pr
	}
	for _, k := range kinds {
		p.kinds[k.Name] = k
		p.names = append(p.names, k.Name)
		for _, a := range k.Aliases {
			p.kinds[a] = k
		}
	}
	return p
}

// Kinds returns the known kinds, sorted by name.
func (p *Planner) Kinds() []*kind.Kind {
	var ks []*kind.Kind
	for _, n := range p.names {
		ks = append(ks, p.kinds[n])
	}
	slices.SortFunc(ks, func(a, b *kind.Kind) int { return cmp.Compare(a.Name, b.Name) })
	return ks
}

// plan evaluates the recipe and builds the stage graph. Every problem is
// returned as a diagnostic; the plan is nil if any is an error.
func (p *Planner) plan(r *recipe.Recipe, opts PrepareOptions) (*Plan, hcl.Diagnostics) {
	var diags eval.DiagSet
	vars, d := eval.Variables(r, opts.Vars, opts.VarFiles)
	diags.Add(d...)

	plan := &Plan{Recipe: r, Instances: map[string]map[string]*Node{}, scopes: map[string]*eval.Scope{}, Vars: vars}
	noArch, d := eval.NewScope(r, vars, cty.UnknownVal(cty.String))
	diags.Add(d...)
	r, plan.Preset, d = p.expandPresets(r, noArch)
	diags.Add(d...)
	plan.Recipe = r
	noArch.Recipe = r
	build, d := eval.BuildBlock(r.Build, noArch)
	diags.Add(d...)
	plan.Build = build
	var routes map[string]*ExecutorBlock
	plan.ExecutorBlocks, routes, d = eval.ExecutorBlocks(r, noArch, build)
	diags.Add(d...)

	// The stage graph does not depend on values: check it even when they
	// failed, so that every mistake is reported at once.
	stages, d := p.checkStages(r)
	diags.Add(d...)
	order, d := sortStages(r, stages)
	diags.Add(d...)
	if diags.HasErrors() {
		return nil, diags.List()
	}

	// Instances of one stage with equal IDs are one node. Two stages with
	// equal IDs stay two nodes (their names differ) but share one object.
	type nodeKey struct{ name, id string }
	byID := map[nodeKey]*Node{}
	for _, arch := range build.Arches {
		sc, d := eval.NewScope(r, vars, cty.StringVal(arch))
		diags.Add(d...)
		plan.scopes[arch] = sc
		planned := map[string]*Node{} // this arch's nodes so far, by stage name
		for _, st := range order {
			n, d := p.instantiate(st, stages[st.Name], sc, planned, opts, plan.ExecutorBlocks, routes[arch])
			diags.Add(d...)
			if n == nil {
				// Keep going so later stages report their own problems;
				// references to this one see no outputs.
				continue
			}
			if prev, ok := byID[nodeKey{st.Name, n.ID}]; ok {
				prev.Arches = append(prev.Arches, arch)
				n = prev
			} else {
				byID[nodeKey{st.Name, n.ID}] = n
				plan.Nodes = append(plan.Nodes, n)
			}
			planned[st.Name] = n
			if plan.Instances[st.Name] == nil {
				plan.Instances[st.Name] = map[string]*Node{}
			}
			plan.Instances[st.Name][arch] = n
		}
	}
	if diags.HasErrors() {
		return nil, diags.List()
	}
	if build.Release != "" {
		for _, n := range plan.Nodes {
			n.release = build.Release
		}
		plan.recomputeIDs()
	}
	for _, n := range plan.Nodes {
		switch {
		case len(n.Arches) == 1:
			n.Arch = n.Arches[0]
		case len(n.Arches) == len(build.Arches):
			n.Arch = kind.NoArch
		default:
			n.Arch = strings.Join(n.Arches, "+")
		}
	}
	return plan, diags.List()
}

// checkStages resolves each stage's kind and collects its references.
func (p *Planner) checkStages(r *recipe.Recipe) (map[string]*stageInfo, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	names := map[string]*recipe.Stage{}
	for _, s := range r.Stages {
		names[s.Name] = s
	}
	infos := map[string]*stageInfo{}
	for _, s := range r.Stages {
		k, ok := p.kinds[s.Kind]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown stage kind",
				Detail:   fmt.Sprintf("There is no stage kind %q.%s Kinds: %s.", s.Kind, suggest.DidYouMean(s.Kind, p.names), strings.Join(p.names, ", ")),
				Subject:  s.KindRange.Ptr(),
			})
			continue
		}
		info := &stageInfo{kind: k, spec: k.Spec(), refs: map[string]hcl.Range{}, uses: map[string][]string{}, releaseUses: map[string][]string{}}
		recordRefs := map[string]bool{} // traversals in Record attributes
		for _, a := range k.Attrs {
			if a.Record {
				for _, t := range hcldec.Variables(s.Body, hcldec.ObjectSpec{a.Name: info.spec[a.Name]}) {
					recordRefs[t.SourceRange().String()] = true
				}
			}
		}
		infos[s.Name] = info
		var travs []hcl.Traversal
		travs = append(travs, hcldec.Variables(s.Body, info.spec)...)
		for _, e := range []hcl.Expression{s.Executor, s.Image, s.Timeout} {
			if e != nil {
				travs = append(travs, e.Variables()...)
			}
		}
		for _, t := range travs {
			if d := eval.UndeclaredRef(t, r); d != nil {
				diags = append(diags, d)
				continue
			}
			if t.RootName() != "stage" {
				continue
			}
			if len(t) < 2 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Incomplete stage reference",
					Detail:   "Refer to a stage's output as stage.<name>.<output>, or to an output with a dot in its name as stage.<name>[\"<output>\"].",
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			name, ok := eval.TraversalName(t[1])
			if ok && len(t) == 2 {
				if _, declared := names[name]; declared {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Incomplete stage reference",
						Detail:   fmt.Sprintf("stage.%s is the whole stage; name the output to use, as stage.%s.<output>.%s", name, name, p.outputsHint(names[name])),
						Subject:  t.SourceRange().Ptr(),
					})
					continue
				}
			}
			if !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid stage reference",
					Detail:   "Refer to a stage's output as stage.<name>.<output>.",
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			if _, ok := names[name]; !ok {
				diags = append(diags, undeclaredStage(name, t.SourceRange(), r))
				continue
			}
			if _, seen := info.refs[name]; !seen {
				info.refs[name] = t.SourceRange()
			}
			out := "*" // an output chosen by a value: all of them
			if len(t) >= 3 {
				if o, ok := eval.TraversalName(t[2]); ok {
					out = o
				}
			}
			addUse(info.uses, name, out)
			if !recordRefs[t.SourceRange().String()] {
				addUse(info.releaseUses, name, out)
			}
		}
		for _, dep := range s.DependsOn {
			if _, ok := names[dep.Name]; !ok {
				diags = append(diags, undeclaredStage(dep.Name, dep.Range, r))
				continue
			}
			if _, seen := info.refs[dep.Name]; !seen {
				info.refs[dep.Name] = dep.Range
			}
		}
	}
	return infos, diags
}

// outputsHint names a stage's static outputs, for diagnostics.
func (p *Planner) outputsHint(s *recipe.Stage) string {
	k, ok := p.kinds[s.Kind]
	if !ok {
		return ""
	}
	var names []string
	for _, o := range k.Outputs {
		names = append(names, o.Name)
	}
	switch {
	case k.DynamicOutputs != nil && len(names) == 0:
		return fmt.Sprintf(" The outputs of %s stages are the names in their outputs argument.", k.Name)
	case len(names) == 0:
		return fmt.Sprintf(" %s stages have no outputs; to wait for one, use depends_on = [stage.%s].", k.Name, s.Name)
	}
	return fmt.Sprintf(" The outputs of %s stages are %s.", k.Name, strings.Join(names, ", "))
}

type stageInfo struct {
	kind *kind.Kind
	spec hcldec.ObjectSpec
	// refs maps each referenced stage to the first reference's range.
	refs map[string]hcl.Range
	// uses maps each stage whose outputs are referenced to those outputs'
	// names, sorted; "*" stands for all of them. releaseUses is the same
	// for the references outside Record attributes.
	uses, releaseUses map[string][]string
}

// addUse adds output to the outputs of stage name that uses lists.
func addUse(uses map[string][]string, name, output string) {
	if !slices.Contains(uses[name], output) {
		uses[name] = append(uses[name], output)
		slices.Sort(uses[name])
	}
}

func undeclaredStage(name string, rng hcl.Range, r *recipe.Recipe) *hcl.Diagnostic {
	var names []string
	for _, s := range r.Stages {
		names = append(names, s.Name)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared stage",
		Detail:   fmt.Sprintf("No stage named %q is declared in this recipe.%s", name, suggest.DidYouMean(name, names)),
		Subject:  rng.Ptr(),
	}
}

// sortStages orders stages so each comes after what it references, keeping
// the recipe's order among independent stages, and reports cycles.
func sortStages(r *recipe.Recipe, infos map[string]*stageInfo) ([]*recipe.Stage, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	byName := map[string]*recipe.Stage{}
	var names []string
	for _, s := range r.Stages {
		byName[s.Name] = s
		if infos[s.Name] != nil { // else its unknown kind is reported
			names = append(names, s.Name)
		}
	}
	// References in source order, for a deterministic result.
	refs := func(name string) []string {
		info := infos[name]
		out := make([]string, 0, len(info.refs))
		for ref := range info.refs {
			out = append(out, ref)
		}
		slices.SortFunc(out, func(a, b string) int {
			return info.refs[a].Start.Byte - info.refs[b].Start.Byte
		})
		return out
	}
	onCycle := func(cycle []string) {
		name, from := cycle[0], cycle[len(cycle)-2]
		rng := infos[from].refs[name]
		if from == name {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Stage %q refers to itself", name),
				Detail:   "A stage cannot use its own outputs or depend on itself; remove the reference.",
				Subject:  rng.Ptr(),
			})
			return
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Cycle between stages %q and %q", from, name),
			Detail: fmt.Sprintf("Stage %q refers to %q, which depends on it in turn: %s. A stage cannot use its own outputs, directly or through others; remove one of these references.",
				from, name, strings.Join(cycle, " → ")),
			Subject: rng.Ptr(),
		})
	}
	var order []*recipe.Stage
	for _, name := range graph.Sort(names, refs, onCycle) {
		order = append(order, byName[name])
	}
	return order, diags
}
