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

// failedMark marks the value of a variable, local value or stage that
// could not be evaluated. Its error is already reported; expressions that
// use it evaluate to marked unknowns, and the planner skips them silently
// instead of reporting follow-on errors (such as "depends on arch").
type failedMark struct{}

// failedVal stands for a value whose error is already reported.
var failedVal = cty.DynamicVal.Mark(failedMark{})

func (s *scope) evalContext(stages cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   s.vars,
			"local": s.locals,
			"arch":  s.arch,
			"stage": stages,
		},
		Functions: functionTable,
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
			var bad hcl.Diagnostics
			ready := true
			for _, t := range l.Expr.Variables() {
				switch t.RootName() {
				case "stage":
					bad = append(bad, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Stage reference in locals",
						Detail:   "Local values are computed before any stage runs, so they cannot use stage outputs. Refer to the stage output directly where it is needed.",
						Subject:  t.SourceRange().Ptr(),
					})
				default:
					if d := undeclaredRef(t, s.recipe); d != nil {
						bad = append(bad, d)
						continue
					}
					if t.RootName() != "local" || len(t) < 2 {
						continue
					}
					name, _ := traversalName(t[1])
					if _, done := values[name]; !done && declared[name] {
						ready = false
					}
				}
			}
			if len(bad) > 0 {
				diags = append(diags, bad...)
				values[l.Name] = failedVal
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
				v = failedVal
			}
			values[l.Name] = v
		}
		if !progressed {
			// Every local value left waits for another one left: there is
			// a cycle. Report it, fail its members and carry on with the
			// rest, which may wait for it or form further cycles.
			cycle, rng := localCycle(next)
			var refs []string
			for _, name := range append(cycle, cycle[0]) {
				refs = append(refs, "local."+name)
			}
			detail := fmt.Sprintf("These local values refer to each other in a cycle: %s. A local value cannot depend on itself; remove one of these references.", strings.Join(refs, " → "))
			if len(cycle) == 1 {
				detail = fmt.Sprintf("local.%s refers to itself. Write its value without local.%s.", cycle[0], cycle[0])
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cycle in local values",
				Detail:   detail,
				Subject:  rng.Ptr(),
			})
			for _, name := range cycle {
				values[name] = failedVal
			}
			next = slices.DeleteFunc(next, func(l *recipe.Local) bool { return slices.Contains(cycle, l.Name) })
		}
		pending = next
	}
	s.locals = cty.ObjectVal(values)
	return diags
}

// localCycle finds a cycle among local values that all wait for one
// another. It returns the cycle's members, starting with the one declared
// first, and the range of that one's reference to the next.
func localCycle(pending []*recipe.Local) ([]string, hcl.Range) {
	byName := map[string]*recipe.Local{}
	for _, l := range pending {
		byName[l.Name] = l
	}
	// next returns the first local value l refers to that is still pending.
	next := func(l *recipe.Local) (string, hcl.Range) {
		for _, t := range l.Expr.Variables() {
			if t.RootName() != "local" || len(t) < 2 {
				continue
			}
			if name, ok := traversalName(t[1]); ok && byName[name] != nil {
				return name, t.SourceRange()
			}
		}
		return "", hcl.Range{}
	}
	var path []string
	var ranges []hcl.Range
	for cur := pending[0].Name; ; {
		if i := slices.Index(path, cur); i >= 0 {
			path, ranges = path[i:], ranges[i:]
			break
		}
		name, rng := next(byName[cur])
		if name == "" {
			// Cannot happen: every pending value waits for another. Report
			// the one at hand rather than loop.
			return []string{cur}, byName[cur].DeclRange
		}
		path = append(path, cur)
		ranges = append(ranges, rng)
		cur = name
	}
	first := 0
	for i, name := range path {
		if byName[name].DeclRange.Start.Byte < byName[path[first]].DeclRange.Start.Byte {
			first = i
		}
	}
	return slices.Concat(path[first:], path[:first]), ranges[first]
}

// scopeNames are the names every expression may start with.
var scopeNames = []string{"var", "local", "arch", "stage"}

// undeclaredRef reports a reference to a variable or local value that the
// recipe does not declare, or to a name that is not in scope at all, with a
// suggestion; nil for anything else.
func undeclaredRef(t hcl.Traversal, r *recipe.Recipe) *hcl.Diagnostic {
	root := t.RootName()
	if !slices.Contains(scopeNames, root) {
		// HCL would say this too, but suggest a name at random.
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown variable",
			Detail:   fmt.Sprintf("There is no variable named %q.%s Expressions can use var.<name>, local.<name>, arch and stage.<name>.<output>.", root, suggest.DidYouMean(root, scopeNames)),
			Subject:  t[0].SourceRange().Ptr(),
		}
	}
	if (root != "var" && root != "local") || len(t) < 2 {
		return nil
	}
	name, ok := traversalName(t[1])
	if !ok {
		return nil // var[0] and the like: evaluation reports them
	}
	var names []string
	if root == "var" {
		for _, v := range r.Variables {
			names = append(names, v.Name)
		}
	} else {
		for _, l := range r.Locals {
			names = append(names, l.Name)
		}
	}
	if slices.Contains(names, name) {
		return nil
	}
	if root == "var" {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared variable",
			Detail:   fmt.Sprintf("No variable %q is declared in this recipe.%s To add one, declare it with a variable %q { default = ... } block.", name, suggest.DidYouMean(name, names), name),
			Subject:  t.SourceRange().Ptr(),
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared local value",
		Detail:   fmt.Sprintf("No local value %q is declared in this recipe.%s To add one, set %s = ... in a locals block.", name, suggest.DidYouMean(name, names), name),
		Subject:  t.SourceRange().Ptr(),
	}
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
			values[name] = failedVal
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
		if d.HasErrors() {
			values[v.Name] = failedVal
			continue
		}
		set(v.Name, val, v.Default.Range().Ptr(), "The default")
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
			values[v.Name] = failedVal
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
		v, ok, d := planTimeValue(expr, ctx, sc.recipe, ty, planTimeWords{
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
					Subject:  itemRange(expr, int(i)),
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
		if !hclsyntax.ValidIdentifier(a) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid architecture",
				Detail:   fmt.Sprintf("%q is not an architecture name, such as x86_64 or aarch64.", a),
				Subject:  itemRange(b.Arches, archIndex[i]),
			})
		}
		if seen[a] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate architecture",
				Detail:   fmt.Sprintf("%q is listed twice in build.arches; remove one.", a),
				Subject:  itemRange(b.Arches, archIndex[i]),
			})
		}
		seen[a] = true
	}
	for i, a := range out.CanFail {
		if !seen[a] && len(out.Arches) > 0 { // else arches is reported
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "can_fail names an architecture that is not built",
				Detail:   fmt.Sprintf("%q is not in build.arches (%s).%s can_fail lists the architectures whose failure does not fail the build.", a, strings.Join(out.Arches, ", "), suggest.DidYouMean(a, out.Arches)),
				Subject:  itemRange(b.CanFail, canFailIndex[i]),
			})
		}
	}
	return out, diags
}

// itemRange returns the range of a list's i-th item when the list is
// written out, else the range of the whole expression.
func itemRange(expr hcl.Expression, i int) *hcl.Range {
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
func planTimeValue(expr hcl.Expression, ctx *hcl.EvalContext, r *recipe.Recipe, ty cty.Type, w planTimeWords) (cty.Value, bool, hcl.Diagnostics) {
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
		} else if d := undeclaredRef(t, r); d != nil {
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
