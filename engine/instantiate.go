package engine

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
)

// instantiate evaluates one stage block for one arch and computes its ID.
// planned holds this arch's nodes so far, by stage name; canFail is true
// when the build lets this arch fail.
func (p *Planner) instantiate(st *recipe.Stage, info *eval.StageRefs, sc *eval.Scope, planned map[string]*Node, opts PrepareOptions, blocks []*ExecutorBlock, route []*ExecutorBlock, canFail bool) (*Node, hcl.Diagnostics) {
	arch := sc.Arch.AsString()
	var diags hcl.Diagnostics
	n := &Node{
		Name:     st.Name,
		Kind:     info.Kind,
		Stage:    st,
		Arches:   []string{arch},
		evalArch: arch,
		depNames: map[string]*Node{},
		uses:     info.Uses,
		relUses:  info.ReleaseUses,
		Inputs:   map[string]string{},
		localAbs: map[string]string{},
	}
	stages := map[string]cty.Value{}
	for ref := range info.Refs {
		dep, ok := planned[ref]
		if !ok {
			// The referenced stage failed to plan and said why. Its
			// outputs are failed values, so this stage still reports its
			// own mistakes but none that follow from that one.
			stages[ref] = eval.Failed
			continue
		}
		n.depNames[ref] = dep
	}
	for name, v := range placeholderOutputs(n.depNames).AsValueMap() {
		stages[name] = v
	}
	if info.Broken {
		// A reference to a stage that does not exist is reported already:
		// it stands for a failed value, so that the stage's other
		// mistakes are reported too, in the same pass.
		for _, t := range hcldec.Variables(st.Body, info.Spec) {
			if name, ok := stageRefName(t); ok {
				if _, have := stages[name]; !have {
					stages[name] = eval.Failed
				}
			}
		}
	}
	diags = append(diags, info.UnknownOutputs(st, func(name string) (*kind.Kind, []string, bool) {
		dep, ok := n.depNames[name]
		if !ok {
			return nil, nil, false
		}
		return dep.Kind, dep.outputs, true
	}, stages)...)

	ctx := sc.Context(cty.ObjectVal(stages))
	cfg, d := hcldec.Decode(st.Body, info.Spec, ctx)
	diags = append(diags, d...)
	cfg = applySettings(cfg, info.Kind, opts.Settings)
	place, d2 := eval.Place(st, info.Kind, arch, ctx, opts.Executors, blocks, route)
	diags = append(diags, d2...)
	n.Executor, n.Container, n.Pool, n.ExecutorIdentity, n.Timeout = place.Executor, place.Container, place.Pool, place.Identity, place.Timeout
	if d.HasErrors() {
		return nil, diags
	}
	ranges := map[string]hcl.Range{}
	for name, s := range info.Spec {
		if r := hcldec.SourceRange(st.Body, s); r != st.Body.MissingItemRange() {
			ranges[name] = r
		}
	}
	config := kind.NewConfig(cfg, arch, st.DeclRange, ranges)
	config.CanFail = canFail
	diags = append(diags, kind.CheckOneOf(info.Kind.Attrs, config)...)
	if cfg.ContainsMarked() {
		// Part of the configuration uses a value whose error is already
		// reported: Validate sees that part as unknown (it copes with
		// unknowns), so that the stage's other mistakes are reported too;
		// the stage is not planned.
		if info.Kind.Validate != nil {
			diags = append(diags, info.Kind.Validate(kind.NewConfig(failedAsUnknown(cfg), arch, st.DeclRange, ranges))...)
		}
		return nil, diags
	}
	if info.Kind.Validate != nil {
		diags = append(diags, info.Kind.Validate(config)...)
	}
	n.Inputs, n.localAbs, d = eval.LocalInputs(info.Kind, config, sc.Recipe.Dir, !opts.CheckOnly)
	diags = append(diags, d...)
	if diags.HasErrors() || len(n.depNames) < len(info.Refs) {
		return nil, diags
	}
	n.Config = cfg
	n.config = config
	n.releaseByConfig = info.Kind.UsesReleaseIf != nil && info.Kind.UsesReleaseIf(cfg)
	for _, o := range info.Kind.Outputs {
		n.outputs = append(n.outputs, o.Name)
	}
	if info.Kind.DynamicOutputs != nil {
		n.outputs = append(n.outputs, info.Kind.DynamicOutputs(cfg)...)
	}
	for _, dep := range n.depNames {
		if !slices.Contains(n.Deps, dep) {
			n.Deps = append(n.Deps, dep)
		}
	}
	slices.SortFunc(n.Deps, func(a, b *Node) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Name, b.Name)) })
	n.ID = stageID(n, arch)
	return n, diags
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

// stageRefName returns the stage a traversal stage.<name>... names.
func stageRefName(t hcl.Traversal) (string, bool) {
	if t.RootName() != "stage" || len(t) < 2 {
		return "", false
	}
	return eval.TraversalName(t[1])
}

// failedAsUnknown replaces every marked (failed) part of v with an unknown
// value of its type.
func failedAsUnknown(v cty.Value) cty.Value {
	out, _ := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if v.IsMarked() {
			return cty.UnknownVal(v.Type()), nil
		}
		return v, nil
	})
	return out
}
