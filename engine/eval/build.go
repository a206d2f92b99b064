package eval

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// BuildBlock evaluates the build block; arch is unknown there.
func BuildBlock(b *recipe.Build, sc *Scope) (kind.Build, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var out kind.Build
	if b == nil {
		return out, nil
	}
	ctx := sc.Context(cty.EmptyObjectVal)
	eval := func(expr hcl.Expression, name string, ty cty.Type) (cty.Value, bool) {
		v, ok, d := planTimeValue(expr, ctx, sc.names, ty, planTimeWords{
			block:    "build block",
			attr:     "build." + name,
			archNote: fmt.Sprintf("The build block describes every architecture at once, so build.%s cannot use arch, directly or through a local value. Give it one value for all architectures.", name),
			typeNote: fmt.Sprintf("build.%s must be a", name),
		})
		diags = append(diags, d...)
		return v, ok
	}
	str := func(expr hcl.Expression, name string, required bool) string {
		v, ok := eval(expr, name, cty.String)
		if !ok || v.IsNull() {
			if ok && required {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Missing build.%s", name),
					Detail:   fmt.Sprintf("build.%s must be set to a non-empty string.", name),
					Subject:  rangeOr(expr, b.DeclRange).Ptr(),
				})
			}
			return ""
		}
		s := v.AsString()
		if required && strings.TrimSpace(s) == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Empty build.%s", name),
				Detail:   fmt.Sprintf("build.%s must be a non-empty string.", name),
				Subject:  rangeOr(expr, b.DeclRange).Ptr(),
			})
		}
		return s
	}
	// list returns the items and, for each, its index in the list.
	list := func(expr hcl.Expression, name string) ([]string, []int, bool) {
		v, ok := eval(expr, name, cty.List(cty.String))
		if !ok || v.IsNull() {
			return nil, nil, ok
		}
		var out []string
		var index []int
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			i, _ := k.AsBigFloat().Int64()
			if e.IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Null in build.%s", name),
					Detail:   fmt.Sprintf("build.%s lists architecture names, as strings; remove the null.", name),
					Subject:  ItemRange(expr, int(i)),
				})
				continue
			}
			out = append(out, e.AsString())
			index = append(index, int(i))
		}
		return out, index, true
	}
	out.Name = str(b.Name, "name", true)
	out.Version = str(b.Version, "version", true)
	out.Release = str(b.Release, "release", false)
	if why := kojifacts.CheckPackageName(out.Name); out.Name != "" && why != "" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid build.name",
			Detail:   why + ".",
			Subject:  rangeOr(b.Name, b.DeclRange).Ptr(),
		})
	}
	// koji/__init__.py _check_NVR: "The "-" character not allowed in
	// version field" (and release): N-V-R is split at its last two hyphens.
	for _, f := range []struct {
		name, value string
		expr        hcl.Expression
	}{{"version", out.Version, b.Version}, {"release", out.Release, b.Release}} {
		if strings.Contains(f.value, "-") {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Hyphen in build." + f.name,
				Detail:   fmt.Sprintf("%q contains a hyphen, which would make the build's name-version-release ambiguous; Koji refuses it. Use a dot or an underscore.", f.value),
				Subject:  rangeOr(f.expr, b.DeclRange).Ptr(),
			})
		}
	}
	var archIndex, canFailIndex []int
	var archesOK bool
	out.Arches, archIndex, archesOK = list(b.Arches, "arches")
	out.CanFail, canFailIndex, _ = list(b.CanFail, "can_fail")
	if v, ok := eval(b.Scratch, "scratch", cty.Bool); ok && !v.IsNull() {
		out.Scratch = v.True()
	}
	if b.Arches != nil && archesOK && len(out.Arches) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No architectures",
			Detail:   `build.arches must list at least one architecture, e.g. ["x86_64"].`,
			Subject:  b.Arches.Range().Ptr(),
		})
	}
	seen := map[string]bool{}
	for i, a := range out.Arches {
		// The koji presets have renamed their arches as Koji does; here an
		// alias is not renamed but refused, as the arch is used as written.
		if ca := kojifacts.CanonArch(a); !slices.Contains(kojifacts.KnownArches, a) && ca != a {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Architecture alias",
				Detail:   fmt.Sprintf("Koji calls %q %q (koji.canonArch); write %q.", a, ca, ca),
				Subject:  ItemRange(b.Arches, archIndex[i]),
			})
		} else if !kojifacts.KnownArch(a) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown architecture",
				Detail:   fmt.Sprintf("%q is not an architecture Koji knows.%s Architectures are named as rpm names them, such as x86_64, aarch64, ppc64le or s390x.", a, suggest.DidYouMean(a, kojifacts.KnownArches)),
				Subject:  ItemRange(b.Arches, archIndex[i]),
			})
		}
		if seen[a] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate architecture",
				Detail:   fmt.Sprintf("%q is listed twice in build.arches; remove one.", a),
				Subject:  ItemRange(b.Arches, archIndex[i]),
			})
		}
		seen[a] = true
	}
	// An arch that is not built cannot fail: it changes nothing, as in
	// Koji, whose builders look up only the arches they build in
	// can_fail. A warning, since it is most likely a typo.
	for i, a := range out.CanFail {
		if !seen[a] && len(out.Arches) > 0 { // else arches is reported
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "can_fail names an architecture that is not built",
				Detail:   fmt.Sprintf("%q is not in build.arches (%s), so it has no effect (Koji ignores it too).%s can_fail lists the architectures whose failure does not fail the build.", a, strings.Join(out.Arches, ", "), suggest.DidYouMean(a, out.Arches)),
				Subject:  ItemRange(b.CanFail, canFailIndex[i]),
			})
		}
	}
	return out, diags
}

// ItemRange returns the range of a list's i-th item when the list is
// written out, else the range of the whole expression.
func ItemRange(expr hcl.Expression, i int) *hcl.Range {
	if items, d := hcl.ExprList(expr); !d.HasErrors() && i >= 0 && i < len(items) {
		return items[i].Range().Ptr()
	}
	return expr.Range().Ptr()
}

func rangeOr(expr hcl.Expression, fallback hcl.Range) hcl.Range {
	if expr != nil {
		return expr.Range()
	}
	return fallback
}

// DiagSet collects diagnostics, dropping repeats: a stage planned for three
// planTimeWords word the diagnostics of planTimeValue for one attribute.
type planTimeWords struct {
	block    string // "build block"
	attr     string // the attribute as the user knows it: "build.name", "connection"
	archNote string // the detail when the value depends on arch
	typeNote string // the detail's start when the type is wrong: "<typeNote> string: <why>."
}

// planTimeValue evaluates an attribute of a block that is settled before
// any stage runs and serves every arch (build, executor): it may use
// variables and local values, but no stage outputs and not arch.
func planTimeValue(expr hcl.Expression, ctx *hcl.EvalContext, names *declaredNames, ty cty.Type, w planTimeWords) (cty.Value, bool, hcl.Diagnostics) {
	if expr == nil {
		return cty.NullVal(ty), true, nil
	}
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		if t.RootName() == "stage" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Stage reference in " + w.block,
				Detail:   fmt.Sprintf("%s is needed before any stage runs, so it cannot use stage outputs. Use a literal, a variable or a local value.", w.attr),
				Subject:  t.SourceRange().Ptr(),
			})
		} else if d := names.undeclaredRef(t); d != nil {
			diags = append(diags, d)
		}
	}
	if diags.HasErrors() {
		return cty.NilVal, false, diags
	}
	v, d := expr.Value(ctx)
	diags = append(diags, d...)
	if d.HasErrors() || v.ContainsMarked() {
		return cty.NilVal, false, diags // marked: uses a value already reported
	}
	if !v.IsWhollyKnown() {
		return cty.NilVal, false, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  w.attr + " depends on arch",
			Detail:   w.archNote,
			Subject:  expr.Range().Ptr(),
		})
	}
	v, err := convert.Convert(v, ty)
	if err != nil {
		return cty.NilVal, false, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid " + w.attr,
			Detail:   fmt.Sprintf("%s %s: %s.", w.typeNote, ty.FriendlyName(), err),
			Subject:  expr.Range().Ptr(),
		})
	}
	return v, true, diags
}
