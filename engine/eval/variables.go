package eval

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

// Variables resolves the recipe's variables: defaults, then the files of
// varFiles (-var-file, in order), then vars (-var name=value). Variable
// files are added to r.Files, for diagnostics. Defaulted names the
// variables left at their defaults.
func Variables(r *recipe.Recipe, vars, varFiles []string) (cty.Value, map[string]bool, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	defaulted := map[string]bool{}
	decl := map[string]*recipe.Variable{}
	for _, v := range r.Variables {
		decl[v.Name] = v
	}
	declared := newDeclaredNames(r)
	values := map[string]cty.Value{}
	set := func(name string, val cty.Value, rng *hcl.Range, origin string) {
		v, ok := decl[name]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Undeclared variable",
				Detail:   fmt.Sprintf("%s sets %q, which the recipe does not declare.%s Declare it with a variable block or remove the setting.", origin, name, declared.didYouMean(name, declared.varList)),
				Subject:  rng,
			})
			return
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("%s sets %q to a value that is not a %s: %s.", origin, name, v.Type.FriendlyName(), err),
				Subject:  rng,
			})
			values[name] = Failed
			return
		}
		values[name] = conv
		defaulted[name] = origin == defaultOrigin
	}

	for _, v := range r.Variables {
		if v.Default == nil {
			continue
		}
		val, d := v.Default.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			values[v.Name] = Failed
			continue
		}
		set(v.Name, val, v.Default.Range().Ptr(), defaultOrigin)
	}
	for _, path := range varFiles {
		src, err := inputlimit.ReadFile(path, inputlimit.ConfigBytes)
		if d, head := recipe.TooLarge(err, "variable file", "Keep large values in files the recipe names."); d != nil {
			r.Files[path] = head
			diags = append(diags, d)
			continue
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read variable file",
				Detail:   fmt.Sprintf("-var-file=%s: %v.", path, UnwrapPathError(err)),
			})
			continue
		}
		if d := recipe.CheckNesting(src, path, hcl.InitialPos); d.HasErrors() {
			r.Files[path] = &hcl.File{Bytes: src}
			diags = append(diags, d...)
			continue
		}
		f, d := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		r.Files[path] = f
		attrs, d := f.Body.JustAttributes()
		diags = append(diags, d...)
		for _, a := range attrs {
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() {
				set(a.Name, val, a.NameRange.Ptr(), "The variable file")
			}
		}
	}
	for _, kv := range vars {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -var option",
				Detail:   fmt.Sprintf("-var %q: write it as -var name=value.", kv),
			})
			continue
		}
		v, ok := decl[name]
		if !ok || v.Type == cty.String || v.Type == cty.DynamicPseudoType {
			set(name, cty.StringVal(raw), nil, "-var")
			continue
		}
		// Non-string variables take an HCL literal, as Terraform's -var does.
		d := recipe.CheckExpressionNesting([]byte(raw), "-var "+name, hcl.InitialPos)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		expr, d := hclsyntax.ParseExpression([]byte(raw), "-var "+name, hcl.InitialPos)
		if !d.HasErrors() {
			var val cty.Value
			val, d = expr.Value(nil)
			if !d.HasErrors() {
				set(name, val, nil, "-var")
				continue
			}
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid -var value",
			Detail:   fmt.Sprintf("-var %s=%s: %q is a %s, so write its value in HCL syntax, e.g. [\"a\", \"b\"] for a list.", name, raw, name, v.Type.FriendlyName()),
		})
	}
	for _, v := range r.Variables {
		if _, ok := values[v.Name]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail:   fmt.Sprintf("Variable %q has no default. Set it with -var %s=VALUE or in a -var-file, or give it a default.", v.Name, v.Name),
				Subject:  v.DeclRange.Ptr(),
			})
			values[v.Name] = Failed
		}
	}
	return cty.ObjectVal(values), defaulted, diags
}

// defaultOrigin is what sets a variable from its default.
const defaultOrigin = "The default"
