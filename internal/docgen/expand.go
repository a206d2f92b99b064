package docgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
)

// A preset's expansion is documented by running it, not by describing it:
// the preset's Expand is called on a synthetic block in which every
// attribute is set, and the stages it returns are printed. Which stage
// attributes each preset attribute reaches is found by changing that one
// attribute and seeing which printed attributes change.

// sampleArch is the architecture the documented expansion is made for.
// Presets turn some choices into per-arch tables (livemedia's --macboot is
// x86_64 only), so the sample is a real architecture.
const sampleArch = "x86_64"

// hiddenInBase are attributes left out of the documented expansion, and
// set only to see where they go: appliance and livecd refuse can_fail, and
// elsewhere it only reaches the build block.
var hiddenInBase = map[string]bool{"can_fail": true}

// labelMarker stands for the preset block's label (the build's name).
const labelMarker = "${name}"

// expansion is one expanded preset, printed.
type expansion struct {
	// stages are the expanded stages, in the preset's order.
	stages []*recipe.Stage
	build  *recipe.Build
	// attrs maps "stage.attr" (and "build.attr") to its printed expression.
	attrs map[string]string
	diags hcl.Diagnostics
}

// marker is the placeholder value of a string attribute: it reads as
// "the value of this attribute" wherever the preset copies it into a
// computed string (a command line, a file name).
func marker(preset, attr string) string {
	return "${" + preset + "." + attr + "}"
}

// sample returns the value a synthetic block gives attribute a; variant
// gives another one, to see where it goes.
func sample(p *kind.Preset, a kind.Attr, variant bool) cty.Value {
	if a.Name == "arches" || a.Name == "can_fail" {
		arch := sampleArch
		if variant {
			arch = "aarch64"
		}
		return cty.ListVal([]cty.Value{cty.StringVal(arch)})
	}
	return sampleOf(a.Type, marker(p.Name, a.Name), variant)
}

func sampleOf(ty cty.Type, m string, variant bool) cty.Value {
	if variant {
		m += "'"
	}
	switch {
	case ty == cty.String:
		return cty.StringVal(m)
	case ty == cty.Bool:
		return cty.BoolVal(variant)
	case ty == cty.Number:
		if variant {
			return cty.NumberIntVal(2)
		}
		return cty.NumberIntVal(1)
	case ty.IsListType():
		return cty.ListVal([]cty.Value{sampleOf(ty.ElementType(), m, false)})
	case ty.IsSetType():
		return cty.SetVal([]cty.Value{sampleOf(ty.ElementType(), m, false)})
	case ty.IsMapType():
		return cty.MapVal(map[string]cty.Value{"key": sampleOf(ty.ElementType(), m, false)})
	}
	return cty.NullVal(ty)
}

// expand runs the preset on a block with every attribute set; the attribute
// named by vary gets its variant value and expression.
func expand(p *kind.Preset, vary string) (_ *expansion, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("expanding preset %s panicked: %v", p.Name, r)
		}
	}()
	rng := hcl.Range{Filename: "reference.hcl", Start: hcl.InitialPos, End: hcl.InitialPos}
	values := map[string]cty.Value{}
	attrs := hcl.Attributes{}
	for _, a := range p.Attrs {
		if hiddenInBase[a.Name] && a.Name != vary {
			values[a.Name] = cty.NullVal(a.Type)
			continue
		}
		v := sample(p, a, a.Name == vary)
		values[a.Name] = v
		// Attributes the preset copies into stages print as the preset's
		// attribute: image_build.repo.
		trav := hcl.Traversal{hcl.TraverseRoot{Name: p.Name, SrcRange: rng}, hcl.TraverseAttr{Name: a.Name, SrcRange: rng}}
		if a.Name == vary {
			trav = append(trav, hcl.TraverseAttr{Name: "variant", SrcRange: rng})
		}
		expr := &hclsyntax.ScopeTraversalExpr{Traversal: trav, SrcRange: rng}
		attrs[a.Name] = &hcl.Attribute{Name: a.Name, Expr: expr, Range: rng, NameRange: rng}
	}
	block := &recipe.Block{Type: p.Name, Label: labelMarker, TypeRange: rng, LabelRange: rng, DeclRange: rng}
	pb := &kind.PresetBlock{
		Preset: p, Label: labelMarker, Block: block, Attrs: attrs, DeclRange: rng,
		Config: &kind.Config{Value: cty.ObjectVal(values), Block: rng},
	}
	if p.Expand == nil {
		return nil, fmt.Errorf("preset %s has no Expand", p.Name)
	}
	exp, diags := p.Expand(pb)
	if diags.HasErrors() {
		return nil, fmt.Errorf("expanding preset %s: %s", p.Name, diags.Error())
	}
	out := &expansion{build: exp.Build, stages: exp.Stages, attrs: map[string]string{}, diags: diags}
	if b := exp.Build; b != nil {
		for name, e := range map[string]hcl.Expression{
			"name": b.Name, "version": b.Version, "release": b.Release,
			"arches": b.Arches, "can_fail": b.CanFail, "scratch": b.Scratch,
		} {
			if e != nil {
				out.attrs["build."+name] = render(e)
			}
		}
	}
	for _, s := range exp.Stages {
		key := s.Name + "."
		out.attrs[key+"(kind)"] = s.Kind
		for name, e := range stageAttrs(s) {
			out.attrs[key+name] = render(e)
		}
	}
	return out, nil
}

// stageAttrs returns a stage's attributes and meta-arguments as written by
// the preset.
func stageAttrs(s *recipe.Stage) map[string]hcl.Expression {
	out := map[string]hcl.Expression{}
	if body, ok := s.Body.(*hclsyntax.Body); ok {
		for name, a := range body.Attributes {
			out[name] = a.Expr
		}
	} else if attrs, diags := s.Body.JustAttributes(); !diags.HasErrors() {
		for name, a := range attrs {
			out[name] = a.Expr
		}
	}
	for name, e := range map[string]hcl.Expression{"executor": s.Executor, "image": s.Image, "timeout": s.Timeout} {
		if e != nil {
			out[name] = e
		}
	}
	if len(s.DependsOn) > 0 {
		deps := &hclsyntax.TupleConsExpr{}
		for _, d := range s.DependsOn {
			deps.Exprs = append(deps.Exprs, &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
				hcl.TraverseRoot{Name: "stage"}, hcl.TraverseAttr{Name: d.Name},
			}})
		}
		out["depends_on"] = deps
	}
	return out
}

// reaches maps each preset attribute to the "stage.attr" keys it changes.
func reaches(p *kind.Preset, base *expansion) (map[string][]string, error) {
	out := map[string][]string{}
	for _, a := range p.Attrs {
		v, err := expand(p, a.Name)
		if err != nil {
			return nil, err
		}
		var keys []string
		for k, s := range base.attrs {
			if v.attrs[k] != s {
				keys = append(keys, k)
			}
		}
		for k := range v.attrs {
			if _, ok := base.attrs[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		out[a.Name] = slices.Compact(keys)
	}
	return out, nil
}

// stageDeps returns the names of the stages s refers to, in order of first
// mention in its sorted attributes.
func stageDeps(s *recipe.Stage) []string {
	attrs := stageAttrs(s)
	var names []string
	for _, n := range sortedKeys(attrs) {
		for _, t := range attrs[n].Variables() {
			if t.RootName() != "stage" || len(t) < 2 {
				continue
			}
			if a, ok := t[1].(hcl.TraverseAttr); ok && !slices.Contains(names, a.Name) {
				names = append(names, a.Name)
			}
		}
	}
	for _, d := range s.DependsOn {
		if !slices.Contains(names, d.Name) {
			names = append(names, d.Name)
		}
	}
	return names
}

// printStage writes a stage as an HCL block.
func printStage(b *strings.Builder, s *recipe.Stage) {
	fmt.Fprintf(b, "stage %q %q {\n", s.Kind, s.Name)
	attrs := stageAttrs(s)
	names := sortedKeys(attrs)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(b, "  %-*s = %s\n", width, n, indentLines(render(attrs[n]), "  "))
	}
	b.WriteString("}\n")
}

func printBuild(b *strings.Builder, exp *expansion) {
	b.WriteString("build {\n")
	var names []string
	for k := range exp.attrs {
		if n, ok := strings.CutPrefix(k, "build."); ok {
			names = append(names, n)
		}
	}
	order := []string{"name", "version", "release", "arches", "can_fail", "scratch"}
	slices.SortFunc(names, func(x, y string) int { return slices.Index(order, x) - slices.Index(order, y) })
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(b, "  %-*s = %s\n", width, n, exp.attrs["build."+n])
	}
	b.WriteString("}\n")
}

func indentLines(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// render prints an expression the preset built in HCL syntax. Literal
// strings are printed as they are, so a marker such as
// ${image_build.version} inside a computed string reads as the attribute's
// value.
func render(e hcl.Expression) string {
	switch e := e.(type) {
	case nil:
		return "null"
	case *hclsyntax.LiteralValueExpr:
		return renderValue(e.Val)
	case *hclsyntax.TemplateExpr:
		var b strings.Builder
		b.WriteByte('"')
		for _, p := range e.Parts {
			if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.IsKnown() && !lit.Val.IsNull() {
				b.WriteString(escape(lit.Val.AsString()))
				continue
			}
			b.WriteString("${" + render(p) + "}")
		}
		b.WriteByte('"')
		return b.String()
	case *hclsyntax.TemplateWrapExpr:
		return `"${` + render(e.Wrapped) + `}"`
	case *hclsyntax.ScopeTraversalExpr:
		return traversal(e.Traversal)
	case *hclsyntax.RelativeTraversalExpr:
		return render(e.Source) + traversal(e.Traversal)
	case *hclsyntax.FunctionCallExpr:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = render(a)
		}
		if e.ExpandFinal && len(args) > 0 {
			args[len(args)-1] += "..."
		}
		return e.Name + "(" + strings.Join(args, ", ") + ")"
	case *hclsyntax.TupleConsExpr:
		items := make([]string, len(e.Exprs))
		for i, x := range e.Exprs {
			items[i] = render(x)
		}
		return list(items)
	case *hclsyntax.ObjectConsExpr:
		items := make([]string, len(e.Items))
		for i, it := range e.Items {
			items[i] = key(it.KeyExpr) + " = " + render(it.ValueExpr)
		}
		return object(items)
	case *hclsyntax.ObjectConsKeyExpr:
		return key(e)
	case *hclsyntax.ForExpr:
		vars := e.ValVar
		if e.KeyVar != "" {
			vars = e.KeyVar + ", " + e.ValVar
		}
		cond := ""
		if e.CondExpr != nil {
			cond = " if " + render(e.CondExpr)
		}
		if e.KeyExpr != nil {
			group := ""
			if e.Group {
				group = "..."
			}
			return "{for " + vars + " in " + render(e.CollExpr) + " : " + render(e.KeyExpr) + " => " + render(e.ValExpr) + group + cond + "}"
		}
		return "[for " + vars + " in " + render(e.CollExpr) + " : " + render(e.ValExpr) + cond + "]"
	case *hclsyntax.IndexExpr:
		return render(e.Collection) + "[" + render(e.Key) + "]"
	case *hclsyntax.ConditionalExpr:
		return render(e.Condition) + " ? " + render(e.TrueResult) + " : " + render(e.FalseResult)
	case *hclsyntax.ParenthesesExpr:
		return "(" + render(e.Expression) + ")"
	}
	return fmt.Sprintf("<%T>", e)
}

func key(e hclsyntax.Expression) string {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		e = k.Wrapped
	}
	if lit, ok := e.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && !lit.Val.IsNull() && hclsyntax.ValidIdentifier(lit.Val.AsString()) {
		return lit.Val.AsString()
	}
	return render(e)
}

func traversal(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString("[" + renderValue(s.Key) + "]")
		case hcl.TraverseSplat:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// renderValue prints a value in HCL syntax; strings are not escaped for
// templates (see render).
func renderValue(v cty.Value) string {
	switch {
	case !v.IsKnown():
		return "(known at run time)"
	case v.IsNull():
		return "null"
	case v.Type() == cty.String:
		return `"` + escape(v.AsString()) + `"`
	case v.Type().IsListType(), v.Type().IsSetType(), v.Type().IsTupleType():
		var items []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			items = append(items, renderValue(e))
		}
		return list(items)
	case v.Type().IsMapType(), v.Type().IsObjectType():
		var items []string
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			name := renderValue(k)
			if hclsyntax.ValidIdentifier(k.AsString()) {
				name = k.AsString()
			}
			items = append(items, name+" = "+renderValue(e))
		}
		return object(items)
	}
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}

var escaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)

func escape(s string) string { return escaper.Replace(s) }

// list prints items on one line when short, else filled into lines of
// about 80 columns (an item with a line break of its own gets its own).
func list(items []string) string {
	one := "[" + strings.Join(items, ", ") + "]"
	if len(one) <= 80 && !strings.Contains(one, "\n") {
		return one
	}
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case strings.Contains(it, "\n") || len(it) > 72:
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			lines = append(lines, it+",")
		case cur != "" && len(cur)+len(it)+2 > 76:
			lines = append(lines, cur)
			cur = it + ","
		case cur == "":
			cur = it + ","
		default:
			cur += " " + it + ","
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return "[\n  " + indentLines(strings.Join(lines, "\n"), "  ") + "\n]"
}

func object(items []string) string {
	one := "{ " + strings.Join(items, ", ") + " }"
	if len(items) == 0 {
		return "{}"
	}
	if len(one) <= 80 && !strings.Contains(one, "\n") {
		return one
	}
	return "{\n  " + indentLines(strings.Join(items, "\n"), "  ") + "\n}"
}
