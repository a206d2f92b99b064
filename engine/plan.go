package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Plan is a recipe resolved into stage instances.
type Plan struct {
	Recipe *recipe.Recipe
	Build  Build
	// Nodes are the distinct stage instances in a topological order that
	// follows the recipe's stage order where the graph allows.
	Nodes []*Node
	// Preset is the recipe's preset block, evaluated, if it has one.
	Preset *PresetBlock
	// Instances maps stage name and arch to the node that serves it.
	Instances map[string]map[string]*Node
	// Executors are the recipe's executor blocks, evaluated.
	Executors []*ExecutorBlock

	scopes     map[string]*scope // per arch
	containers containerState
}

// Build is the evaluated build block.
type Build struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Release string   `json:"release,omitempty"` // empty: derived at publish time
	Arches  []string `json:"arches"`
	CanFail []string `json:"can_fail,omitempty"`
	Scratch bool     `json:"scratch,omitempty"`
}

// Required reports whether a failure of arch fails the build.
func (b *Build) Required(arch string) bool {
	return !slices.Contains(b.CanFail, arch)
}

// Node is one stage instance: a stage block evaluated for one or more
// architectures that resolve to the same stage ID.
type Node struct {
	ID     string
	Name   string
	Kind   *Kind
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
	// Plan.Resolve opens the container executors, a container's image by
	// name; after, by ID.
	Executor         string
	ExecutorIdentity string
	// Container is set for a node that runs in a container: the executor,
	// its connection and the image. Nil for the host.
	Container *ContainerSpec

	Timeout time.Duration

	// Resolved is what a source stage's source resolved to (a commit, a
	// content digest); it is part of the stage ID. See Plan.Resolve.
	Resolved string

	config   *Config
	release  string   // the build's release, for kinds with UsesRelease
	outputs  []string // every output name, declared and dynamic
	evalArch string   // the arch to evaluate the block with at run time
	depNames map[string]*Node
	localAbs map[string]string // path as written → absolute path
}

// Outputs returns the node's output names.
func (n *Node) Outputs() []string { return n.outputs }

// PlanOptions are the inputs to planning besides the recipe.
type PlanOptions struct {
	// Vars are -var name=value settings, applied over VarFiles.
	Vars []string
	// VarFiles are -var-file paths, applied in order over defaults.
	VarFiles []string
	// Executors maps executor names to executors. "host" is always
	// available; a missing entry for "podman" makes such stages plan but
	// not run.
	Executors map[string]executor.Executor
	// Containers opens container executors ("podman" and executor
	// blocks) when the plan is resolved (Plan.Resolve), so that stage IDs
	// name image IDs and the run uses those same executors. Nil: stages
	// that run in containers plan with their image's name in their ID and
	// cannot run, unless Executors or RunOptions provide one.
	Containers Containers
	// HashInputs computes local input digests, so stage IDs are final.
	// Validation leaves it off and only checks that inputs exist.
	HashInputs bool
}

// Planner turns recipes into plans using a fixed set of kinds.
type Planner struct {
	kinds   map[string]*Kind
	names   []string // canonical kind names, for suggestions
	presets map[string]*Preset
}

// NewPlanner returns a planner that knows the given kinds and presets.
func NewPlanner(kinds []*Kind, presets ...*Preset) *Planner {
	p := &Planner{kinds: map[string]*Kind{}, presets: map[string]*Preset{}}
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
func (p *Planner) Kinds() []*Kind {
	var ks []*Kind
	for _, n := range p.names {
		ks = append(ks, p.kinds[n])
	}
	slices.SortFunc(ks, func(a, b *Kind) int { return cmp.Compare(a.Name, b.Name) })
	return ks
}

// Plan evaluates the recipe and builds the stage graph. Every problem is
// returned as a diagnostic; the plan is nil if any is an error.
func (p *Planner) Plan(r *recipe.Recipe, opts PlanOptions) (*Plan, hcl.Diagnostics) {
	var diags diagSet
	vars, d := resolveVariables(r, opts)
	diags.add(d...)

	plan := &Plan{Recipe: r, Instances: map[string]map[string]*Node{}, scopes: map[string]*scope{}}
	noArch := &scope{vars: vars, arch: cty.UnknownVal(cty.String), recipe: r}
	diags.add(noArch.evalLocals()...)
	r, plan.Preset, d = p.expandPresets(r, noArch)
	diags.add(d...)
	plan.Recipe = r
	build, d := evalBuild(r.Build, noArch)
	diags.add(d...)
	plan.Build = build
	var routes map[string]*ExecutorBlock
	plan.Executors, routes, d = evalExecutors(r, noArch, build)
	diags.add(d...)
	plan.containers = containerState{opener: opts.Containers, injected: opts.Executors}

	// The stage graph does not depend on values: check it even when they
	// failed, so that every mistake is reported at once.
	stages, d := p.checkStages(r)
	diags.add(d...)
	order, d := sortStages(r, stages)
	diags.add(d...)
	if diags.hasErrors() {
		return nil, diags.list
	}

	// Instances of one stage with equal IDs are one node. Two stages with
	// equal IDs stay two nodes (their names differ) but share one object.
	type nodeKey struct{ name, id string }
	byID := map[nodeKey]*Node{}
	for _, arch := range build.Arches {
		sc := &scope{vars: vars, arch: cty.StringVal(arch), recipe: r, nodes: map[string]*Node{}}
		diags.add(sc.evalLocals()...)
		plan.scopes[arch] = sc
		for _, st := range order {
			n, d := p.instantiate(st, stages[st.Name], sc, arch, opts, plan.Executors, routes[arch])
			diags.add(d...)
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
			sc.nodes[st.Name] = n
			if plan.Instances[st.Name] == nil {
				plan.Instances[st.Name] = map[string]*Node{}
			}
			plan.Instances[st.Name][arch] = n
		}
	}
	if diags.hasErrors() {
		return nil, diags.list
	}
	if build.Release != "" {
		plan.SetRelease(build.Release)
	}
	for _, n := range plan.Nodes {
		switch {
		case len(n.Arches) == 1:
			n.Arch = n.Arches[0]
		case len(n.Arches) == len(build.Arches):
			n.Arch = NoArch
		default:
			n.Arch = strings.Join(n.Arches, "+")
		}
	}
	return plan, diags.list
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
		kind, ok := p.kinds[s.Kind]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown stage kind",
				Detail:   fmt.Sprintf("There is no stage kind %q.%s Kinds: %s.", s.Kind, suggest.DidYouMean(s.Kind, p.names), strings.Join(p.names, ", ")),
				Subject:  s.KindRange.Ptr(),
			})
			continue
		}
		info := &stageInfo{kind: kind, spec: kindSpec(kind), refs: map[string]hcl.Range{}}
		infos[s.Name] = info
		var travs []hcl.Traversal
		travs = append(travs, hcldec.Variables(s.Body, info.spec)...)
		for _, e := range []hcl.Expression{s.Executor, s.Image, s.Timeout} {
			if e != nil {
				travs = append(travs, e.Variables()...)
			}
		}
		for _, t := range travs {
			if d := undeclaredRef(t, r); d != nil {
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
			name, ok := traversalName(t[1])
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
	kind, ok := p.kinds[s.Kind]
	if !ok {
		return ""
	}
	var names []string
	for _, o := range kind.Outputs {
		names = append(names, o.Name)
	}
	switch {
	case kind.DynamicOutputs != nil && len(names) == 0:
		return fmt.Sprintf(" The outputs of %s stages are the names in their outputs argument.", kind.Name)
	case len(names) == 0:
		return fmt.Sprintf(" %s stages have no outputs; to wait for one, use depends_on = [stage.%s].", kind.Name, s.Name)
	}
	return fmt.Sprintf(" The outputs of %s stages are %s.", kind.Name, strings.Join(names, ", "))
}

type stageInfo struct {
	kind *Kind
	spec hcldec.ObjectSpec
	// refs maps each referenced stage to the first reference's range.
	refs map[string]hcl.Range
}

func traversalName(step hcl.Traverser) (string, bool) {
	switch s := step.(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
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
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	byName := map[string]*recipe.Stage{}
	for _, s := range r.Stages {
		byName[s.Name] = s
	}
	var order []*recipe.Stage
	var path []string
	var visit func(name string)
	visit = func(name string) {
		info, ok := infos[name]
		if !ok {
			return // unknown kind, already reported
		}
		switch state[name] {
		case done:
			return
		case visiting:
			i := slices.Index(path, name)
			cycle := append(slices.Clone(path[i:]), name)
			from := path[len(path)-1]
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
			return
		}
		state[name] = visiting
		path = append(path, name)
		// Visit references in source order for a deterministic result.
		refs := make([]string, 0, len(info.refs))
		for ref := range info.refs {
			refs = append(refs, ref)
		}
		slices.SortFunc(refs, func(a, b string) int {
			return info.refs[a].Start.Byte - info.refs[b].Start.Byte
		})
		for _, ref := range refs {
			visit(ref)
		}
		path = path[:len(path)-1]
		state[name] = done
		order = append(order, byName[name])
	}
	for _, s := range r.Stages {
		visit(s.Name)
	}
	return order, diags
}

func kindSpec(k *Kind) hcldec.ObjectSpec { return attrSpec(k.Attrs) }

// attrSpec is the hcldec spec of a block with these attributes.
func attrSpec(attrs []Attr) hcldec.ObjectSpec {
	spec := hcldec.ObjectSpec{}
	for _, a := range attrs {
		var s hcldec.Spec = &hcldec.AttrSpec{Name: a.Name, Type: a.Type, Required: a.Required}
		if a.Default != cty.NilVal {
			s = &hcldec.DefaultSpec{Primary: s, Default: &hcldec.LiteralSpec{Value: a.Default}}
		}
		spec[a.Name] = s
	}
	return spec
}

// instantiate evaluates one stage block for one arch and computes its ID.
func (p *Planner) instantiate(st *recipe.Stage, info *stageInfo, sc *scope, arch string, opts PlanOptions, blocks []*ExecutorBlock, route *ExecutorBlock) (*Node, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	n := &Node{
		Name:     st.Name,
		Kind:     info.kind,
		Stage:    st,
		Arches:   []string{arch},
		evalArch: arch,
		depNames: map[string]*Node{},
		Inputs:   map[string]string{},
		localAbs: map[string]string{},
	}
	stages := map[string]cty.Value{}
	for ref := range info.refs {
		dep, ok := sc.nodes[ref]
		if !ok {
			// The referenced stage failed to plan and said why. Its
			// outputs are failed values, so this stage still reports its
			// own mistakes but none that follow from that one.
			stages[ref] = failedVal
			continue
		}
		n.depNames[ref] = dep
	}
	for name, v := range placeholderOutputs(n.depNames).AsValueMap() {
		stages[name] = v
	}
	diags = append(diags, unknownOutputs(st, info, n.depNames, stages)...)

	ctx := sc.evalContext(cty.ObjectVal(stages))
	cfg, d := hcldec.Decode(st.Body, info.spec, ctx)
	diags = append(diags, d...)
	diags = append(diags, p.meta(n, st, ctx, opts, blocks, route)...)
	if d.HasErrors() {
		return nil, diags
	}
	config := &Config{Value: cfg, Arch: arch, Block: st.DeclRange, ranges: map[string]hcl.Range{}}
	for name, s := range info.spec {
		if r := hcldec.SourceRange(st.Body, s); r != st.Body.MissingItemRange() {
			config.ranges[name] = r
		}
	}
	diags = append(diags, checkOneOf(info.kind.Attrs, config)...)
	if cfg.ContainsMarked() {
		// Part of the configuration uses a value whose error is already
		// reported: Validate and the rest would see it incomplete.
		return nil, diags
	}
	if info.kind.Validate != nil {
		diags = append(diags, info.kind.Validate(config)...)
	}
	diags = append(diags, localInputs(n, info.kind, config, sc.recipe.Dir, opts)...)
	if diags.HasErrors() || len(n.depNames) < len(info.refs) {
		return nil, diags
	}
	n.Config = cfg
	n.config = config
	for _, o := range info.kind.Outputs {
		n.outputs = append(n.outputs, o.Name)
	}
	if info.kind.DynamicOutputs != nil {
		n.outputs = append(n.outputs, info.kind.DynamicOutputs(cfg)...)
	}
	for _, dep := range n.depNames {
		if !slices.Contains(n.Deps, dep) {
			n.Deps = append(n.Deps, dep)
		}
	}
	slices.SortFunc(n.Deps, func(a, b *Node) int { return cmp.Compare(a.ID, b.ID) })
	n.ID = stageID(n, arch)
	return n, diags
}

// unknownOutputs reports references to outputs that planned stages do not
// have, and gives each a failed value in stages so that evaluation does not
// report it again.
func unknownOutputs(st *recipe.Stage, info *stageInfo, deps map[string]*Node, stages map[string]cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	travs := hcldec.Variables(st.Body, info.spec)
	for _, e := range []hcl.Expression{st.Executor, st.Image, st.Timeout} {
		if e != nil {
			travs = append(travs, e.Variables()...)
		}
	}
	for _, t := range travs {
		if t.RootName() != "stage" || len(t) < 3 {
			continue
		}
		name, ok := traversalName(t[1])
		dep := deps[name]
		if !ok || dep == nil {
			continue
		}
		out, ok := traversalName(t[2])
		if !ok || slices.Contains(dep.outputs, out) {
			continue
		}
		list := "It has no outputs."
		if len(dep.outputs) > 0 {
			list = fmt.Sprintf("Its outputs are %s.", quoteList(dep.outputs))
		}
		if dep.Kind.DynamicOutputs != nil {
			list += fmt.Sprintf(" The outputs of %s stages are the names in their outputs argument.", dep.Kind.Name)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to unknown stage output",
			Detail:   fmt.Sprintf("Stage %q (%s) has no output %q.%s %s", name, dep.Kind.Name, out, suggest.DidYouMean(out, dep.outputs), list),
			Subject:  t.SourceRange().Ptr(),
		})
		attrs := stages[name].AsValueMap()
		if attrs == nil {
			attrs = map[string]cty.Value{}
		}
		attrs[out] = failedVal
		stages[name] = cty.ObjectVal(attrs)
	}
	return diags
}

// meta evaluates the meta-arguments and picks the node's executor: the one
// the stage names; else, unless the kind is Local, the executor block its
// arch is routed to (route); else the host.
func (p *Planner) meta(n *Node, st *recipe.Stage, ctx *hcl.EvalContext, opts PlanOptions, blocks []*ExecutorBlock, route *ExecutorBlock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	n.Executor = "host"
	executorOK := true
	named := st.Executor != nil
	if named {
		var v string
		var d hcl.Diagnostics
		v, executorOK, d = evalString(st.Executor, ctx, "executor")
		diags = append(diags, d...)
		if executorOK {
			n.Executor = v
		}
	} else if route != nil && !n.Kind.Local {
		n.Executor = route.Name
	} else if n.Kind.Container {
		n.Executor = "podman"
	}
	var block *ExecutorBlock
	routing := false // some executor block routes arches
	for _, b := range blocks {
		if b.Name == n.Executor {
			block = b
		}
		routing = routing || len(b.Arches) > 0
	}
	injected, isInjected := opts.Executors[n.Executor]
	switch {
	case !executorOK:
		// reported, or uses a value whose error is reported
	case n.Executor == "host", n.Executor == "podman", block != nil, isInjected:
	default:
		names := executorNames(blocks)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown executor",
			Detail: fmt.Sprintf("There is no executor %q.%s Use \"host\" (the default), \"podman\" or the name of an executor block (%s).",
				n.Executor, suggest.DidYouMean(n.Executor, names), quoteList(names)),
			Subject: st.Executor.Range().Ptr(),
		})
		executorOK = false
	}
	if executorOK && n.Executor == "host" && n.Kind.Container {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Container stage on the host",
			Detail: fmt.Sprintf("%s stages run in a container, never on the host. Remove executor = \"host\" (they then run on \"podman\", or on the executor block their arch is routed to), or name a container executor.",
				n.Kind.Name),
			Subject: st.Executor.Range().Ptr(),
		})
		executorOK = false
	}
	image, imageOK := "", true
	if st.Image != nil {
		var d hcl.Diagnostics
		image, imageOK, d = evalString(st.Image, ctx, "image")
		diags = append(diags, d...)
		// A stage that names no executor may set an image for the arches
		// an executor block takes; on the others it runs on the host.
		if imageOK && executorOK && n.Executor == "host" && (named || n.Kind.Local || !routing) {
			detail := fmt.Sprintf("The image %q is only used by a container executor; set executor = \"podman\" or remove image.", image)
			if n.Kind.Local {
				detail = fmt.Sprintf("The image %q is only used by a container executor, and %s stages always run on this machine: remove image.", image, n.Kind.Name)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Image without a container executor",
				Detail:   detail,
				Subject:  st.Image.Range().Ptr(),
			})
		}
	}
	if executorOK && (n.Executor == "podman" || block != nil) {
		if image == "" && st.Image == nil && block != nil {
			image = block.Image
		}
		if image == "" && imageOK {
			diags = append(diags, missingImage(n, st, block, named))
		}
		spec := ContainerSpec{Executor: n.Executor, Image: image}
		if block != nil {
			spec.Connection, spec.IdentityFile = block.Connection, block.IdentityFile
		}
		n.Container = &spec
	}
	switch {
	case !executorOK:
	case isInjected:
		n.ExecutorIdentity = injected.Identity()
	case n.Container != nil:
		// Provisional: Plan.Resolve replaces it with the opened executor's
		// identity, which names the image's ID.
		n.ExecutorIdentity = "podman image=" + image
		if block != nil {
			n.ExecutorIdentity += " executor=" + block.Name
		}
	default:
		n.ExecutorIdentity = executor.Host{}.Identity()
	}
	if st.Timeout != nil {
		v, ok, d := evalString(st.Timeout, ctx, "timeout")
		diags = append(diags, d...)
		if ok {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid timeout",
					Detail:   fmt.Sprintf("%q is not a positive duration. Write it like \"90s\", \"30m\" or \"2h\".", v),
					Subject:  st.Timeout.Range().Ptr(),
				})
			}
			n.Timeout = t
		}
	}
	return diags
}

// missingImage reports a stage that runs in a container and has no image.
func missingImage(n *Node, st *recipe.Stage, block *ExecutorBlock, named bool) *hcl.Diagnostic {
	var detail string
	subject := st.DeclRange
	switch {
	case block != nil && !named:
		detail = fmt.Sprintf("Stage %q runs on executor %q for %s (that block's arches list it), in a container: set image in the stage, or a default image in the executor block at %s.",
			n.Name, block.Name, n.Arches[0], block.Block.DeclRange)
	case block != nil:
		detail = fmt.Sprintf("Stage %q runs on executor %q, in a container: set image in the stage, or a default image in the executor block at %s.",
			n.Name, block.Name, block.Block.DeclRange)
		subject = st.Executor.Range()
	default:
		detail = fmt.Sprintf("Stage %q runs in a podman container: set image, e.g. image = \"registry.fedoraproject.org/fedora:41\".", n.Name)
		if st.Executor != nil {
			subject = st.Executor.Range()
		}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing image", Detail: detail, Subject: subject.Ptr()}
}

// evalString evaluates a meta-argument. It is not ok when that fails, or
// when the value uses one whose error is already reported.
func evalString(expr hcl.Expression, ctx *hcl.EvalContext, what string) (string, bool, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() || v.ContainsMarked() {
		return "", false, diags
	}
	v, err := convert.Convert(v, cty.String)
	if err != nil || v.IsNull() || !v.IsKnown() {
		return "", false, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Invalid %s", what),
			Detail:   fmt.Sprintf("%s must be a string known before the run: a literal, a variable or a local value, not a stage output.", what),
			Subject:  expr.Range().Ptr(),
		}}
	}
	return v.AsString(), true, nil
}

func checkOneOf(attrs []Attr, c *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range attrs {
		if len(a.OneOf) == 0 {
			continue
		}
		v := c.Get(a.Name)
		if v.IsMarked() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			continue
		}
		if s := v.AsString(); !slices.Contains(a.OneOf, s) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Invalid value for %s", a.Name),
				Detail:   fmt.Sprintf("%q is not one of %s.%s", s, quoteList(a.OneOf), suggest.DidYouMean(s, a.OneOf)),
				Subject:  c.Range(a.Name),
			})
		}
	}
	return diags
}

// localInputs records the local paths a stage reads, hashing them when asked.
func localInputs(n *Node, k *Kind, c *Config, dir string, opts PlanOptions) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range k.Attrs {
		if !a.LocalPaths {
			continue
		}
		v := c.Get(a.Name)
		if v.IsNull() || !v.IsWhollyKnown() {
			continue
		}
		var paths []string
		if v.Type() == cty.String {
			paths = []string{v.AsString()}
		} else {
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if !e.IsNull() {
					paths = append(paths, e.AsString())
				}
			}
		}
		for _, p := range paths {
			abs := p
			if !filepath.IsAbs(p) {
				abs = filepath.Join(dir, p)
			}
			n.localAbs[p] = abs
			digest := ""
			var err error
			if opts.HashInputs {
				digest, err = digestPath(abs)
			} else {
				_, err = lstat(abs)
			}
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cannot read local input",
					Detail:   fmt.Sprintf("%s: %v. Paths are relative to the recipe's directory (%s).", p, unwrapPathError(err), dir),
					Subject:  c.Range(a.Name),
				})
				continue
			}
			n.Inputs[p] = digest
		}
	}
	return diags
}

// placeholderOutputs gives each referenced stage an object of outputs whose
// file values are "${stage.<name>.<output>}" placeholders: stable across
// runs and stores, so the configuration can be hashed before anything runs.
func placeholderOutputs(deps map[string]*Node) cty.Value {
	stages := map[string]cty.Value{}
	for name, dep := range deps {
		attrs := map[string]cty.Value{}
		for _, o := range dep.Kind.Outputs {
			ref := fmt.Sprintf("${stage.%s.%s}", name, o.Name)
			switch {
			case o.Type == cty.String:
				attrs[o.Name] = cty.StringVal(ref)
			default:
				attrs[o.Name] = cty.UnknownVal(o.Type)
			}
		}
		for _, o := range dep.outputs[len(dep.Kind.Outputs):] {
			attrs[o] = cty.StringVal(fmt.Sprintf("${stage.%s[%q]}", name, o))
		}
		stages[name] = cty.ObjectVal(attrs)
	}
	return cty.ObjectVal(stages)
}

// stageID hashes everything that determines a stage's result (DESIGN §4).
func stageID(n *Node, arch string) string {
	return stageIDWith(n, arch, n.release, func(dep *Node) string { return dep.ID })
}

// stageIDWith is stageID with the release and the upstream IDs given.
func stageIDWith(n *Node, arch, release string, idOf func(*Node) string) string {
	type material struct {
		Kind     string            `json:"kind"`
		Version  int               `json:"version"`
		Arch     string            `json:"arch,omitempty"`
		Config   json.RawMessage   `json:"config"`
		Inputs   map[string]string `json:"inputs,omitempty"`
		Local    map[string]string `json:"local,omitempty"`
		Executor string            `json:"executor"`
		Source   string            `json:"source,omitempty"`
		Release  string            `json:"release,omitempty"`
	}
	m := material{
		Source:   n.Resolved,
		Kind:     n.Kind.Name,
		Version:  n.Kind.Version,
		Config:   canonicalJSON(idConfig(n)),
		Inputs:   map[string]string{},
		Local:    n.Inputs,
		Executor: n.ExecutorIdentity,
	}
	if n.Kind.PerArch {
		m.Arch = arch
	}
	if n.Kind.UsesRelease {
		m.Release = release
	}
	for name, dep := range n.depNames {
		m.Inputs[name] = idOf(dep)
	}
	b, _ := json.Marshal(m) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// idConfig is the configuration the stage ID hashes: all of it but the
// attributes marked NotInID.
func idConfig(n *Node) cty.Value {
	if !n.Config.Type().IsObjectType() {
		return n.Config
	}
	var drop []string
	for _, a := range n.Kind.Attrs {
		if a.NotInID {
			drop = append(drop, a.Name)
		}
	}
	if len(drop) == 0 {
		return n.Config
	}
	vals := n.Config.AsValueMap()
	for _, name := range drop {
		delete(vals, name)
	}
	return cty.ObjectVal(vals)
}
