package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
)

// PresetTypes returns the block types of the planner's presets, for
// recipe.WithPresets.
func (p *Planner) PresetTypes() []string {
	var names []string
	for n := range p.presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// expandPresets replaces a recipe's preset block by the build block and
// stages it stands for, in a copy of the recipe.
func (p *Planner) expandPresets(r *recipe.Recipe, sc *eval.Scope) (*recipe.Recipe, *kind.PresetBlock, hcl.Diagnostics) {
	if len(r.Presets) == 0 {
		return r, nil, nil
	}
	var diags hcl.Diagnostics
	first := r.Presets[0]
	for _, b := range r.Presets[1:] {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "More than one preset",
			Detail:   fmt.Sprintf("A recipe describes one build, and the %s block at %s already does. Move this one into a recipe of its own.", first.Type, first.DeclRange),
			Subject:  b.TypeRange.Ptr(),
		})
	}
	if r.Build != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "build block beside a preset",
			Detail:   fmt.Sprintf("The %s block at %s describes the build (name, version, arches) itself. Remove the build block.", first.Type, first.DeclRange),
			Subject:  r.Build.DeclRange.Ptr(),
		})
	}
	preset := p.presets[first.Type]
	if preset == nil {
		return r, nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown preset",
			Detail:   fmt.Sprintf("There is no preset %q.", first.Type),
			Subject:  first.TypeRange.Ptr(),
		})
	}
	cfg, d := hcldec.Decode(first.Body, kind.AttrSpec(preset.Attrs), sc.Context(cty.EmptyObjectVal))
	diags = append(diags, d...)
	if d.HasErrors() {
		return r, nil, diags
	}
	attrs, _ := first.Body.JustAttributes()
	ranges := map[string]hcl.Range{}
	for name, a := range attrs {
		ranges[name] = a.Expr.Range()
	}
	config := kind.NewConfig(cfg, "", first.DeclRange, ranges)
	diags = append(diags, kind.CheckOneOf(preset.Attrs, config)...)
	if preset.Validate != nil {
		diags = append(diags, preset.Validate(config)...)
	}
	if diags.HasErrors() {
		return r, nil, diags
	}
	block := &kind.PresetBlock{
		Preset: preset, Label: first.Label, Block: first,
		Attrs: attrs, Config: config, DeclRange: first.DeclRange,
	}
	exp, d := preset.Expand(block)
	diags = append(diags, d...)
	if d.HasErrors() {
		return r, nil, diags
	}
	out := *r
	out.Build = exp.Build
	out.Stages = nil
	names := map[string]bool{}
	var made []string
	for _, s := range exp.Stages {
		names[s.Name] = true
		made = append(made, s.Name)
		out.Stages = append(out.Stages, s)
	}
	for _, s := range r.Stages {
		if names[s.Name] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Stage name %q is taken by the preset", s.Name),
				Detail:   fmt.Sprintf("The %s block makes the stages %s. Rename this stage.", first.Type, strings.Join(made, ", ")),
				Subject:  s.NameRange.Ptr(),
			})
			continue
		}
		out.Stages = append(out.Stages, s)
	}
	return &out, block, diags
}
