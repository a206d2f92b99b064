package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// scope is what expressions see for one architecture: var, local, arch and
// the outputs of the stages planned so far.
type scope struct {
	recipe *recipe.Recipe
	vars   cty.Value
	arch   cty.Value
	locals cty.Value
	nodes  map[string]*Node
}

func (s *scope) evalContext(stages cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   s.vars,
			"local": s.locals,
			"arch":  s.arch,
			"stage": stages,
		},
		Functions: functions(),
	}
}

// evalLocals evaluates the locals block in dependency order.
func (s *scope) evalLocals() hcl.Diagnostics {
	var diags hcl.Diagnostics
	values := map[string]cty.Value{}
	pending := slices.Clone(s.recipe.Locals)
	declared := map[string]bool{}
	for _, l := range pending {
		declared[l.Name] = true
	}
	for len(pending) > 0 {
		progressed := false
		var next []*recipe.Local
		for _, l := range pending {
			ready := true
			for _, t := range l.Expr.Variables() {
				switch t.RootName() {
				case "stage":
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Stage reference in locals",
						Detail:   "Local values are computed before any stage runs, so they cannot use stage outputs. Refer to the stage output directly where it is needed.",
						Subject:  t.SourceRange().Ptr(),
					})
					ready = false
					declared[l.Name] = false
				case "local":
					if len(t) < 2 {
						continue
					}
					name, _ := traversalName(t[1])
					if _, done := values[name]; !done && declared[name] {
						ready = false
					}
				}
			}
			if !declared[l.Name] {
				progressed = true
				continue
			}
			if !ready {
				next = append(next, l)
				continue
			}
			progressed = true
			ctx := s.evalContext(cty.EmptyObjectVal)
			ctx.Variables["local"] = cty.ObjectVal(values)
			v, d := l.Expr.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			values[l.Name] = v
		}
		if !progressed {
			var names []string
			for _, l := range next {
				names = append(names, l.Name)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cycle in local values",
				Detail:   fmt.Sprintf("These local values refer to each other: %s. Break the cycle.", strings.Join(names, ", ")),
				Subject:  next[0].DeclRange.Ptr(),
			})
			break
		}
		pending = next
	}
	s.locals = cty.ObjectVal(values)
	return diags
}

// resolveVariables applies defaults, then -var-file files, then -var flags.
func resolveVariables(r *recipe.Recipe, opts PlanOptions) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	decl := map[string]*recipe.Variable{}
	var names []string
	for _, v := range r.Variables {
		decl[v.Name] = v
		names = append(names, v.Name)
	}
	values := map[string]cty.Value{}
	set := func(name string, val cty.Value, rng *hcl.Range, origin string) {
		v, ok := decl[name]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Undeclared variable",
				Detail:   fmt.Sprintf("%s sets %q, which the recipe does not declare.%s Declare it with a variable block or remove the setting.", origin, name, suggest.DidYouMean(name, names)),
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
			return
		}
		values[name] = conv
	}

	for _, v := range r.Variables {
		if v.Default == nil {
			continue
		}
		val, d := v.Default.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			set(v.Name, val, v.Default.Range().Ptr(), "The default")
		}
	}
	for _, path := range opts.VarFiles {
		src, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read variable file",
				Detail:   fmt.Sprintf("-var-file=%s: %v.", path, unwrapPathError(err)),
			})
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
	for _, kv := range opts.Vars {
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
		}
	}
	return cty.ObjectVal(values), diags
}

// evalBuild evaluates the build block; arch is unknown there.
func evalBuild(b *recipe.Build, sc *scope) (Build, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var out Build
	if b == nil {
		return out, nil
	}
	ctx := sc.evalContext(cty.EmptyObjectVal)
	eval := func(expr hcl.Expression, name string, ty cty.Type) (cty.Value, bool) {
		if expr == nil {
			return cty.NullVal(ty), true
		}
		v, d := expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			return cty.NilVal, false
		}
		if !v.IsWhollyKnown() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("build.%s depends on arch", name),
				Detail:   "The build block describes every architecture at once, so it cannot use arch.",
				Subject:  expr.Range().Ptr(),
			})
			return cty.NilVal, false
		}
		v, err := convert.Convert(v, ty)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Invalid build.%s", name),
				Detail:   fmt.Sprintf("build.%s must be a %s: %s.", name, ty.FriendlyName(), err),
				Subject:  expr.Range().Ptr(),
			})
			return cty.NilVal, false
		}
		return v, true
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
	list := func(expr hcl.Expression, name string) []string {
		v, ok := eval(expr, name, cty.List(cty.String))
		if !ok || v.IsNull() {
			return nil
		}
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Null in build.%s", name),
					Detail:   "List items must be strings.",
					Subject:  expr.Range().Ptr(),
				})
				continue
			}
			out = append(out, e.AsString())
		}
		return out
	}
	out.Name = str(b.Name, "name", true)
	out.Version = str(b.Version, "version", true)
	out.Release = str(b.Release, "release", false)
	out.Arches = list(b.Arches, "arches")
	out.CanFail = list(b.CanFail, "can_fail")
	if v, ok := eval(b.Scratch, "scratch", cty.Bool); ok && !v.IsNull() {
		out.Scratch = v.True()
	}
	if b.Arches != nil && len(out.Arches) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No architectures",
			Detail:   `build.arches must list at least one architecture, e.g. ["x86_64"].`,
			Subject:  b.Arches.Range().Ptr(),
		})
	}
	seen := map[string]bool{}
	for _, a := range out.Arches {
		if !hclsyntax.ValidIdentifier(a) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid architecture",
				Detail:   fmt.Sprintf("%q is not an architecture name, such as x86_64 or aarch64.", a),
				Subject:  b.Arches.Range().Ptr(),
			})
		}
		if seen[a] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate architecture",
				Detail:   fmt.Sprintf("%q is listed twice in build.arches.", a),
				Subject:  b.Arches.Range().Ptr(),
			})
		}
		seen[a] = true
	}
	for _, a := range out.CanFail {
		if !seen[a] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "can_fail names an architecture that is not built",
				Detail:   fmt.Sprintf("%q is not in build.arches (%s).%s", a, strings.Join(out.Arches, ", "), suggest.DidYouMean(a, out.Arches)),
				Subject:  b.CanFail.Range().Ptr(),
			})
		}
	}
	return out, diags
}

func rangeOr(expr hcl.Expression, fallback hcl.Range) hcl.Range {
	if expr != nil {
		return expr.Range()
	}
	return fallback
}

// diagSet collects diagnostics, dropping repeats: a stage planned for three
// arches reports the same mistake once.
type diagSet struct {
	list hcl.Diagnostics
	seen map[string]bool
}

func (s *diagSet) add(diags ...*hcl.Diagnostic) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	for _, d := range diags {
		key := fmt.Sprintf("%d|%s|%s|%v", d.Severity, d.Summary, d.Detail, d.Subject)
		if s.seen[key] {
			continue
		}
		s.seen[key] = true
		s.list = append(s.list, d)
	}
}

func (s *diagSet) hasErrors() bool { return s.list.HasErrors() }

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func lstat(path string) (fs.FileInfo, error) { return os.Lstat(path) }

// unwrapPathError drops the path from an *fs.PathError, for messages that
// already name it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
