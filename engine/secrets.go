package engine

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// planSecrets collects what the plan knows to be secret
// (docs/reliability-secrets.md): the values of sensitive variables and of
// the configuration values computed from them, and in the stages'
// configurations the credentials of URLs and the values of attributes and
// map keys named as secrets (an env PASSWORD).
func planSecrets(r *recipe.Recipe, vars cty.Value, nodes []*Node) *secret.Set {
	set := &secret.Set{}
	sensitive := map[string]bool{}
	for _, v := range r.Variables {
		if v.Sensitive && vars.Type().IsObjectType() && vars.Type().HasAttribute(v.Name) {
			sensitive[v.Name] = true
			addStrings(set, vars.GetAttr(v.Name))
		}
	}
	if len(sensitive) > 0 {
		addDerivedSecrets(set, r, vars, sensitive, nodes)
	}
	for _, n := range nodes {
		addConfigSecrets(set, n.Config)
	}
	return set
}

// sensitiveMark marks the values of sensitive variables while
// addDerivedSecrets evaluates the stages again. HCL and cty carry marks
// through expressions and functions, as Terraform's sensitive values: what
// is computed from a secret (base64encode(var.key), "${var.user}:${var.key}")
// comes out marked.
type sensitiveMark struct{}

// addDerivedSecrets evaluates every node's block again with the sensitive
// variables marked, and adds each value that comes out marked: of every
// attribute, and of every expression inside the block and inside the
// locals, so that in "echo ${upper(var.key)}" the upper-cased key is a
// secret, not only the whole command. The plan's own values stay
// unmarked: kinds, stage IDs and canonical JSON never see a mark.
func addDerivedSecrets(set *secret.Set, r *recipe.Recipe, vars cty.Value, sensitive map[string]bool, nodes []*Node) {
	marked := map[string]cty.Value{}
	for name, v := range vars.AsValueMap() {
		if sensitive[name] {
			v = v.Mark(sensitiveMark{})
		}
		marked[name] = v
	}
	markedVars := cty.ObjectVal(marked)
	scopes := map[string]*eval.Scope{}
	for _, n := range nodes {
		sc, ok := scopes[n.evalArch]
		if !ok {
			sc, _ = eval.NewScope(r, markedVars, cty.StringVal(n.evalArch))
			scopes[n.evalArch] = sc
		}
		ctx := sc.Context(placeholderOutputs(n.depNames))
		cfg := decodeMarked(n, ctx)
		addMarked(set, cfg)
		n.sensitivePlaces = markedPrimitives(cfg)
		if body, ok := n.Stage.Body.(*hclsyntax.Body); ok {
			addMarkedExpressions(set, body, ctx)
		}
		for _, l := range r.Locals {
			if e, ok := l.Expr.(hclsyntax.Expression); ok {
				addMarkedExpressions(set, e, ctx)
			}
		}
	}
}

// addMarkedExpressions adds the marked values of every expression in node.
// Expressions that do not evaluate alone (a for expression's body) are
// left out.
func addMarkedExpressions(set *secret.Set, node hclsyntax.Node, ctx *hcl.EvalContext) {
	hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		if e, ok := n.(hclsyntax.Expression); ok {
			addMarked(set, evalMarked(e, ctx))
		}
		return nil
	})
}

func evalMarked(e hclsyntax.Expression, ctx *hcl.EvalContext) (v cty.Value) {
	defer func() {
		if recover() != nil {
			v = cty.NilVal
		}
	}()
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal
	}
	return v
}

// addMarked adds the strings of v that carry sensitiveMark.
func addMarked(set *secret.Set, v cty.Value) {
	if v == cty.NilVal || !v.ContainsMarked() {
		return
	}
	unmarked, marks := v.UnmarkDeepWithPaths()
	for _, pm := range marks {
		if _, ok := pm.Marks[sensitiveMark{}]; !ok {
			continue
		}
		if v, err := pm.Path.Apply(unmarked); err == nil {
			addStrings(set, v)
		}
	}
}

// markedPrimitives returns the paths of the marked numbers and bools in
// v, for maskConfig: a bool cannot be masked as text (every "true" would
// go), and a number in a configuration is no text to mask.
func markedPrimitives(v cty.Value) []cty.Path {
	if v == cty.NilVal || !v.ContainsMarked() {
		return nil
	}
	unmarked, marks := v.UnmarkDeepWithPaths()
	var paths []cty.Path
	for _, pm := range marks {
		if _, ok := pm.Marks[sensitiveMark{}]; !ok {
			continue
		}
		if pv, err := pm.Path.Apply(unmarked); err == nil && (pv.Type() == cty.Number || pv.Type() == cty.Bool) {
			paths = append(paths, pm.Path)
		}
	}
	return paths
}

// decodeMarked decodes a node's block in a scope of marked values, or
// returns cty.NilVal when that fails. The block decoded once already, so
// a failure here is a limit of marks (a function that refuses them), which
// must not stop the plan: those values are then found as strings only.
func decodeMarked(n *Node, ctx *hcl.EvalContext) (cfg cty.Value) {
	defer func() {
		if recover() != nil {
			cfg = cty.NilVal
		}
	}()
	v, diags := hcldec.Decode(n.Stage.Body, n.Kind.Spec(), ctx)
	if diags.HasErrors() {
		return cty.NilVal
	}
	return v
}

// addConfigSecrets adds the secrets of a stage's configuration: URL
// credentials in any string, and every string under an attribute or map
// key whose name says it is secret.
func addConfigSecrets(set *secret.Set, cfg cty.Value) {
	cty.Walk(cfg, func(p cty.Path, v cty.Value) (bool, error) {
		if v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		if len(p) > 0 && secret.IsSecretName(stepName(p[len(p)-1])) {
			addStrings(set, v)
			return false, nil
		}
		if v.Type() == cty.String {
			_, found := secret.MaskURLs(v.AsString())
			set.Add(found...)
		}
		return true, nil
	})
}

func stepName(s cty.PathStep) string {
	switch s := s.(type) {
	case cty.GetAttrStep:
		return s.Name
	case cty.IndexStep:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString()
		}
	}
	return ""
}

// addStrings adds every known string in v, and every number as HCL
// writes it into a string ("${var.pin}"): a process that prints a number
// prints that. Bools are not added: "true" is everywhere.
func addStrings(set *secret.Set, v cty.Value) {
	cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		switch v.Type() {
		case cty.String:
			set.Add(v.AsString())
		case cty.Number:
			if s, err := convert.Convert(v, cty.String); err == nil {
				set.Add(s.AsString())
			}
		}
		return true, nil
	})
}

// maskConfig returns a node's configuration with its secrets masked, for
// showing it (plan --json): the secrets in its strings, and the numbers
// and bools that are sensitive values, which become the marker where they
// are an object's attribute (a list or map holds values of one type: a
// number there is masked as text only).
func maskConfig(set *secret.Set, n *Node) cty.Value {
	v := n.Config
	if len(n.sensitivePlaces) > 0 {
		out, err := cty.Transform(v, func(p cty.Path, v cty.Value) (cty.Value, error) {
			if len(p) > 0 && slices.ContainsFunc(n.sensitivePlaces, p.Equals) {
				if _, attr := p[len(p)-1].(cty.GetAttrStep); attr {
					return cty.StringVal(secret.Marker), nil
				}
			}
			return v, nil
		})
		if err == nil {
			v = out
		}
	}
	return maskValue(set, v)
}

// maskValue returns v with the secrets in its strings masked.
func maskValue(set *secret.Set, v cty.Value) cty.Value {
	out, err := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !v.IsMarked() {
			return cty.StringVal(set.Mask(v.AsString())), nil
		}
		return v, nil
	})
	if err != nil {
		return v
	}
	return out
}

// maskingSink masks the secrets in the text of every event before the
// sinks see it: events.jsonl, the progress front ends, and so the report.
func maskingSink(set *secret.Set, next events.Sink) events.Sink {
	return events.SinkFunc(func(e events.Event) {
		e.Line = set.Mask(e.Line)
		e.Error = set.Mask(e.Error)
		e.Reason = set.Mask(e.Reason)
		e.Recipe = set.Mask(e.Recipe)
		e.Build = set.Mask(e.Build)
		if len(e.Results) > 0 {
			results := make([]events.Result, len(e.Results))
			for i, r := range e.Results {
				results[i] = events.Result{Stage: r.Stage, Arch: r.Arch, Files: r.Files}
				if r.Values != nil {
					results[i].Values = map[string]string{}
					for k, v := range r.Values {
						results[i].Values[k] = set.Mask(v)
					}
				}
			}
			e.Results = results
		}
		next.Emit(e)
	})
}
