package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/recipe"
)

// Preset is a block type that stands for a whole build: a build block and a
// graph of stages, as Koji's image-build, spin-livemedia and spin-appliance
// do (docs/architecture.md#presets). Presets live in stages/koji; the engine only expands them.
type Preset struct {
	// Name is the block type, e.g. "image_build".
	Name    string
	Summary string
	Doc     string
	Attrs   []Attr
	// Validate checks the evaluated attributes, as Kind.Validate does. Arch
	// is unknown: attributes that depend on it are unknown values.
	Validate func(cfg *Config) hcl.Diagnostics
	// Expand turns the block into a build block and stages. It works on
	// expressions, not values, so references to variables and locals keep
	// working in the stages it makes.
	Expand func(b *PresetBlock) (*Expansion, hcl.Diagnostics)
}

// PresetBlock is a preset block as written.
type PresetBlock struct {
	Preset    *Preset
	Label     string
	Block     *recipe.Block
	Attrs     hcl.Attributes
	Config    *Config
	DeclRange hcl.Range
}

// Expansion is what a preset block stands for.
type Expansion struct {
	Build  *recipe.Build
	Stages []*recipe.Stage
}

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

// Presets returns the planner's presets, sorted by name.
func (p *Planner) Presets() []*Preset {
	var out []*Preset
	for _, n := range p.PresetTypes() {
		out = append(out, p.presets[n])
	}
	return out
}

// expandPresets replaces a recipe's preset block by the build block and
// stages it stands for, in a copy of the recipe.
func (p *Planner) expandPresets(r *recipe.Recipe, sc *eval.Scope) (*recipe.Recipe, *PresetBlock, hcl.Diagnostics) {
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
	cfg, d := hcldec.Decode(first.Body, attrSpec(preset.Attrs), sc.Context(cty.EmptyObjectVal))
	diags = append(diags, d...)
	if d.HasErrors() {
		return r, nil, diags
	}
	attrs, _ := first.Body.JustAttributes()
	config := &Config{Value: cfg, Block: first.DeclRange, ranges: map[string]hcl.Range{}}
	for name, a := range attrs {
		config.ranges[name] = a.Expr.Range()
	}
	diags = append(diags, checkOneOf(preset.Attrs, config)...)
	if preset.Validate != nil {
		diags = append(diags, preset.Validate(config)...)
	}
	if diags.HasErrors() {
		return r, nil, diags
	}
	block := &PresetBlock{
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

// PresetValue evaluates one attribute of the plan's preset block with arch
// set to the given string, converted to the attribute's type. Exports use
// it where a value depends on the architecture: with a real arch for that
// arch's value, or with Koji's literal "$arch" for the form Koji
// substitutes. It returns a null value when the attribute is not set.
func (p *Plan) PresetValue(name, arch string) (cty.Value, hcl.Diagnostics) {
	if p.Preset == nil {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	a, ok := p.Preset.Attrs[name]
	if !ok {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	sc, diags := eval.NewScope(p.Recipe, p.vars, cty.StringVal(arch))
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

// PresetValueForEveryArch returns the value of a preset attribute when it is
// the same for every architecture of the build, and false when it differs
// between them or cannot be evaluated.
func (p *Plan) PresetValueForEveryArch(name string) (cty.Value, bool) {
	var out cty.Value
	for i, arch := range p.Build.Arches {
		v, diags := p.PresetValue(name, arch)
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
