package kojiexport

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/eval"
)

// presetValue evaluates one attribute of the plan's preset block with arch
// set to the given string, converted to the attribute's type. The exports
// use it where a value depends on the architecture: with a real arch for
// that arch's value, or with Koji's literal "$arch" for the form Koji
// substitutes. It returns a null value when the attribute is not set.
func presetValue(p *engine.Plan, name, arch string) (cty.Value, hcl.Diagnostics) {
	if p.Preset == nil {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	a, ok := p.Preset.Attrs[name]
	if !ok {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	sc, diags := eval.NewScope(p.Recipe, p.Vars, cty.StringVal(arch))
	v, d := a.Expr.Value(sc.Context(cty.EmptyObjectVal))
	diags = append(diags, d...)
	for _, at := range p.Preset.Preset.Attrs {
		if at.Name == name && !v.IsNull() {
			if cv, err := convert.Convert(v, at.Type); err == nil {
				v = cv
			}
		}
	}
	return v, diags
}

// presetValueForEveryArch returns the value of a preset attribute when it is
// the same for every architecture of the build, and false when it differs
// between them or cannot be evaluated.
func presetValueForEveryArch(p *engine.Plan, name string) (cty.Value, bool) {
	var out cty.Value
	for i, arch := range p.Build.Arches {
		v, diags := presetValue(p, name, arch)
		if diags.HasErrors() || !v.IsWhollyKnown() {
			return cty.NilVal, false
		}
		if i > 0 && !v.RawEquals(out) {
			return cty.NilVal, false
		}
		out = v
	}
	return out, out != cty.NilVal
}
