package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/secret"
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
	// Secrets are the plan's secrets: sensitive variables' values and
	// what is computed from them, URL credentials and secret-named values
	// in stage configurations (docs/reliability-secrets.md). Doc masks
	// them; Run masks them, and those its stages find (in a set of its
	// own), in everything it records.
	Secrets *secret.Set

	scopes   map[string]*eval.Scope // per arch, for evaluating stage blocks at run time
	settings []Setting              // PrepareOptions.Settings, applied again at run time
	// defaulted names the variables left at their defaults, for the hint
	// a failed stage that uses one gets (defaultsHint).
	defaulted map[string]bool
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
	// sensitivePlaces are the paths in Config of the numbers and bools
	// that are sensitive values (engine/secrets.go), masked in plan --json.
	sensitivePlaces []cty.Path
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
	// Pool lists the builders (executor blocks) a node that runs on them
	// may be placed on when it runs, in declaration order, with its image:
	// the pool of its arch, or the one block it names. Container is the
	// first. Which one runs it is not part of its ID.
	Pool []executor.ContainerSpec

	Timeout time.Duration

	// Resolved is what a source stage's source resolved to (a commit, a
	// content digest); it is part of the stage ID. Unresolved says the
	// source could not be resolved (PrepareOptions.AllowUnresolved): the
	// ID is provisional and the plan cannot run.
	Resolved   string
	Unresolved bool
	// Unopened says the node's container executor could not be opened
	// (a warning from Prepare): its ID names the image by name, not by ID,
	// so it is provisional, and Run refuses the plan.
	Unopened bool

	config   *kind.Config
	release  string   // the build's release, for stages that use it
	outputs  []string // every output name, declared and dynamic
	evalArch string   // the arch to evaluate the block with at run time
	depNames map[string]*Node
	uses     map[string][]string // the outputs it reads, by stage name (stageInfo.uses)
	relUses  map[string][]string // those outside Record attributes (stageInfo.releaseUses)
	localAbs map[string]string   // path as written → absolute path
	// releaseByConfig says the configuration asks for the release
	// (Kind.UsesReleaseIf).
	releaseByConfig bool
}

// UsesRelease reports whether the stage sees the build's release: its kind
// always does (convert, upload), or its configuration asks for it
// (Kind.UsesReleaseIf).
func (n *Node) UsesRelease() bool { return n.Kind.UsesRelease || n.releaseByConfig }

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

// plan evaluates the recipe and builds the stage graph. Every problem is
// returned as a diagnostic; the plan is nil if any is an error.
func (p *Planner) plan(r *recipe.Recipe, opts PrepareOptions) (*Plan, hcl.Diagnostics) {
	var diags eval.DiagSet
	vars, defaulted, d := eval.Variables(r, opts.Vars, opts.VarFiles)
	diags.Add(d...)

	plan := &Plan{Recipe: r, Instances: map[string]map[string]*Node{}, scopes: map[string]*eval.Scope{}, Vars: vars, settings: opts.Settings, defaulted: defaulted}
	noArch, d := eval.NewScope(r, vars, cty.UnknownVal(cty.String))
	diags.Add(d...)
	r, plan.Preset, d = p.expandPresets(r, noArch)
	diags.Add(d...)
	plan.Recipe = r
	noArch.Recipe = r
	// Every independent mistake is reported at once, as terraform validate
	// does. Values (variables, locals, presets, executors) feed every
	// stage, so their mistakes stop the plan after the graph check; a
	// mistake in the build block or in a stage's references does not: the
	// other stages are still instantiated and checked.
	valuesFailed := diags.HasErrors()
	build, d := eval.BuildBlock(r.Build, noArch)
	diags.Add(d...)
	plan.Build = build
	var routes map[string][]*ExecutorBlock
	plan.ExecutorBlocks, routes, d = eval.ExecutorBlocks(r, noArch, build)
	diags.Add(d...)
	valuesFailed = valuesFailed || d.HasErrors()

	// The stage graph does not depend on values: check it even when they
	// failed.
	stages, d := eval.CheckStages(r, p.kinds, p.names)
	diags.Add(d...)
	sd := p.checkSettings(opts.Settings)
	diags.Add(sd...)
	valuesFailed = valuesFailed || sd.HasErrors()
	order, d := eval.SortStages(r, stages)
	diags.Add(d...)
	if valuesFailed || d.HasErrors() {
		return nil, diags.List()
	}
	// Stages the graph check found fault with, and those that refer to
	// them, are left out (order puts references first).
	broken := map[string]bool{}
	for _, st := range r.Stages {
		broken[st.Name] = stages[st.Name] == nil // an unknown kind
	}
	for _, st := range order {
		info := stages[st.Name]
		if info == nil {
			broken[st.Name] = true
			continue
		}
		broken[st.Name] = info.Broken
		for ref := range info.Refs {
			broken[st.Name] = broken[st.Name] || broken[ref]
		}
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
			if stages[st.Name] == nil {
				continue
			}
			n, d := p.instantiate(st, stages[st.Name], sc, planned, opts, plan.ExecutorBlocks, routes[arch], !build.Required(arch))
			if broken[st.Name] {
				// Its references were found at fault already: what they
				// make of it here is the same mistake again.
				d = notAt(d, diags.List())
			}
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
	diags.Add(unusedSettings(opts.Settings, plan.Nodes)...)
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
	plan.Secrets = planSecrets(r, vars, plan.Nodes)
	return plan, diags.List()
}

// notAt returns the diagnostics of d whose subject overlaps no subject of
// reported.
func notAt(d, reported hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, x := range d {
		dup := false
		for _, y := range reported {
			if x.Subject != nil && y.Subject != nil && x.Subject.Overlaps(*y.Subject) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

// defaultsHint says which variables a failed stage uses that were left at
// their defaults, and how to set them: a default such as tree = "tree" is a
// placeholder more often than not. It returns "" when there are none.
func (p *Plan) defaultsHint(n *Node) string {
	var names []string
	seen := map[string]bool{}
	travs := hcldec.Variables(n.Stage.Body, n.Kind.Spec())
	for _, e := range []hcl.Expression{n.Stage.Executor, n.Stage.Image, n.Stage.Timeout} {
		if e != nil {
			travs = append(travs, e.Variables()...)
		}
	}
	for _, t := range travs {
		if t.RootName() != "var" || len(t) < 2 {
			continue
		}
		name, ok := eval.TraversalName(t[1])
		if ok && p.defaulted[name] && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	var parts, flags []string
	for _, name := range names {
		v := p.Vars.GetAttr(name)
		shown := "its default"
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			shown = fmt.Sprintf("its default, %q", v.AsString())
		}
		parts = append(parts, fmt.Sprintf("var.%s at %s", name, shown))
		flags = append(flags, fmt.Sprintf("-var %s=...", name))
	}
	return fmt.Sprintf(" (the stage uses %s; if that is not right, set %s)", strings.Join(parts, " and "), strings.Join(flags, " "))
}
