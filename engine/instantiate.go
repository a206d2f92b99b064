package engine

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
	"github.com/imgpipe/imgpipe/internal/treehash"
)

// instantiate evaluates one stage block for one arch and computes its ID.
// planned holds this arch's nodes so far, by stage name.
func (p *Planner) instantiate(st *recipe.Stage, info *stageInfo, sc *eval.Scope, planned map[string]*Node, opts PrepareOptions, blocks []*ExecutorBlock, route *ExecutorBlock) (*Node, hcl.Diagnostics) {
	arch := sc.Arch.AsString()
	var diags hcl.Diagnostics
	n := &Node{
		Name:     st.Name,
		Kind:     info.kind,
		Stage:    st,
		Arches:   []string{arch},
		evalArch: arch,
		depNames: map[string]*Node{},
		uses:     info.uses,
		relUses:  info.releaseUses,
		Inputs:   map[string]string{},
		localAbs: map[string]string{},
	}
	stages := map[string]cty.Value{}
	for ref := range info.refs {
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
	diags = append(diags, unknownOutputs(st, info, n.depNames, stages)...)

	ctx := sc.Context(cty.ObjectVal(stages))
	cfg, d := hcldec.Decode(st.Body, info.spec, ctx)
	diags = append(diags, d...)
	diags = append(diags, p.meta(n, st, ctx, opts, blocks, route)...)
	if d.HasErrors() {
		return nil, diags
	}
	ranges := map[string]hcl.Range{}
	for name, s := range info.spec {
		if r := hcldec.SourceRange(st.Body, s); r != st.Body.MissingItemRange() {
			ranges[name] = r
		}
	}
	config := kind.NewConfig(cfg, arch, st.DeclRange, ranges)
	diags = append(diags, kind.CheckOneOf(info.kind.Attrs, config)...)
	if cfg.ContainsMarked() {
		// Part of the configuration uses a value whose error is already
		// reported: Validate and the rest would see it incomplete.
		return nil, diags
	}
	if info.kind.Validate != nil {
		diags = append(diags, info.kind.Validate(config)...)
	}
	diags = append(diags, localInputs(n, info.kind, config, sc.Recipe.Dir, !opts.CheckOnly)...)
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
	slices.SortFunc(n.Deps, func(a, b *Node) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Name, b.Name)) })
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
		name, ok := eval.TraversalName(t[1])
		dep := deps[name]
		if !ok || dep == nil {
			continue
		}
		out, ok := eval.TraversalName(t[2])
		if !ok || slices.Contains(dep.outputs, out) {
			continue
		}
		list := "It has no outputs."
		if len(dep.outputs) > 0 {
			list = fmt.Sprintf("Its outputs are %s.", suggest.QuoteList(dep.outputs))
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
		attrs[out] = eval.Failed
		stages[name] = cty.ObjectVal(attrs)
	}
	return diags
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

// localInputs records the local paths a stage reads, hashing them when
// asked; else it only checks that they exist.
func localInputs(n *Node, k *kind.Kind, c *kind.Config, dir string, hash bool) hcl.Diagnostics {
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
			if hash {
				digest, err = treehash.Path(abs) // a file, or a whole tree: internal/treehash
			} else {
				_, err = os.Lstat(abs)
			}
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cannot read local input",
					Detail:   fmt.Sprintf("%s: %v. Paths are relative to the recipe's directory (%s).", p, eval.UnwrapPathError(err), dir),
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
