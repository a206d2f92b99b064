package eval

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Scope is what expressions see for one architecture: var, local and arch.
// Stage outputs come with each evaluation (Context), because they differ
// between planning (placeholders) and running (real paths).
type Scope struct {
	Recipe *recipe.Recipe
	// Vars is the object of every variable's value (Variables).
	Vars cty.Value
	// Arch is the architecture, or an unknown string where a block serves
	// every architecture at once (build, executor, preset).
	Arch   cty.Value
	locals cty.Value
	names  *declaredNames
}

// NewScope evaluates the recipe's local values for one architecture.
func NewScope(r *recipe.Recipe, vars, arch cty.Value) (*Scope, hcl.Diagnostics) {
	s := &Scope{Recipe: r, Vars: vars, Arch: arch, names: newDeclaredNames(r)}
	return s, s.evalLocals()
}

// failedMark marks the value of a variable, local value or stage that
// could not be evaluated. Its error is already reported; expressions that
// use it evaluate to marked unknowns, and the planner skips them silently
// instead of reporting follow-on errors (such as "depends on arch").
type failedMark struct{}

// Failed stands for a value whose error is already reported.
var Failed = cty.DynamicVal.Mark(failedMark{})

// Context returns the evaluation context of the scope with these stage
// outputs (an object keyed by stage name).
func (s *Scope) Context(stages cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   s.Vars,
			"local": s.locals,
			"arch":  s.Arch,
			"stage": stages,
		},
		Functions: functionTable,
	}
}

// evalLocals evaluates the locals block in dependency order, in time
// linear in its size: each local value is evaluated once, in a context
// holding only the local values it names.
func (s *Scope) evalLocals() hcl.Diagnostics {
	var diags hcl.Diagnostics
	values := map[string]cty.Value{}
	declared, vars := s.names.locals, s.names.vars
	// refs checks a local value's references once: its diagnostics, and
	// the local values it waits for (a bare `local` waits for none and sees
	// those evaluated before it, as it always has).
	type refs struct {
		bad   hcl.Diagnostics
		names []string
		whole bool
	}
	check := func(l *recipe.Local) refs {
		var r refs
		for _, t := range l.Expr.Variables() {
			root := t.RootName()
			if root == "stage" {
				r.bad = append(r.bad, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Stage reference in locals",
					Detail:   "Local values are computed before any stage runs, so they cannot use stage outputs. Refer to the stage output directly where it is needed.",
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			name, named := "", false
			if len(t) >= 2 {
				name, named = TraversalName(t[1])
			}
			known := named && (root == "local" && declared[name] || root == "var" && vars[name]) || root == "arch"
			if !known {
				// The slow path, with a suggestion, only for what is wrong.
				if d := s.names.undeclaredRef(t); d != nil {
					r.bad = append(r.bad, d)
					continue
				}
			}
			if root != "local" {
				continue
			}
			if !named {
				r.whole = true
				continue
			}
			r.names = append(r.names, name)
		}
		return r
	}
	checked := make(map[*recipe.Local]refs, len(s.Recipe.Locals))
	for _, l := range s.Recipe.Locals {
		checked[l] = check(l)
	}
	order, cyclic := localOrder(s.Recipe.Locals, func(l *recipe.Local) []string {
		if r := checked[l]; len(r.bad) == 0 {
			return r.names
		}
		return nil // fails at once
	})
	if cyclic {
		order = nil // the passes below find and report the cycles
	}
	eval := func(l *recipe.Local) {
		r := checked[l]
		if len(r.bad) > 0 {
			diags = append(diags, r.bad...)
			values[l.Name] = Failed
			return
		}
		var local cty.Value
		if r.whole {
			local = cty.ObjectVal(values)
		} else {
			used := make(map[string]cty.Value, len(r.names))
			for _, n := range r.names {
				used[n] = values[n]
			}
			local = cty.ObjectVal(used)
		}
		ctx := s.Context(cty.EmptyObjectVal)
		ctx.Variables["local"] = local
		v, d := l.Expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			v = Failed
		}
		values[l.Name] = v
	}
	for _, l := range order {
		eval(l)
	}
	// With a cycle: passes over what is left, in source order, as long as
	// one makes progress; then the cycle is reported and its members fail.
	pending := slices.Clone(s.Recipe.Locals)
	if !cyclic {
		pending = nil
	}
	for len(pending) > 0 {
		progressed := false
		var next []*recipe.Local
		for _, l := range pending {
			r := checked[l]
			ready := len(r.bad) > 0 || !slices.ContainsFunc(r.names, func(n string) bool {
				_, done := values[n]
				return !done
			})
			if !ready {
				next = append(next, l)
				continue
			}
			progressed = true
			eval(l)
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
				values[name] = Failed
			}
			next = slices.DeleteFunc(next, func(l *recipe.Local) bool { return slices.Contains(cycle, l.Name) })
		}
		pending = next
	}
	s.locals = cty.ObjectVal(values)
	return diags
}

// localOrder returns the local values in the order source-order passes
// would evaluate them (a value waits for the values it names; one declared
// after it is taken in a later pass), computed in linear time. waits gives
// the names a local value waits for. cyclic is set when values wait for
// each other in a cycle; order is then nil.
func localOrder(locals []*recipe.Local, waits func(*recipe.Local) []string) (order []*recipe.Local, cyclic bool) {
	index := make(map[string]int, len(locals))
	for i, l := range locals {
		index[l.Name] = i
	}
	// pass[i] is the pass in which locals[i] is evaluated: one after the
	// latest pass of a value it waits for that comes later in the source
	// (evaluated in a later sweep), or the same pass for an earlier one.
	pass := make([]int, len(locals))
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(locals))
	// An explicit stack: a chain of thousands of local values must not
	// recurse.
	type item struct {
		i    int
		deps []string
		next int
	}
	for root := range locals {
		if state[root] != unseen {
			continue
		}
		stack := []item{{i: root, deps: waits(locals[root])}}
		state[root] = visiting
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < len(top.deps) {
				j, ok := index[top.deps[top.next]]
				top.next++
				if !ok {
					continue
				}
				switch state[j] {
				case visiting:
					return nil, true
				case unseen:
					state[j] = visiting
					stack = append(stack, item{i: j, deps: waits(locals[j])})
				}
				continue
			}
			p := 0
			for _, n := range top.deps {
				j, ok := index[n]
				if !ok {
					continue
				}
				q := pass[j]
				if j > top.i {
					q++
				}
				p = max(p, q)
			}
			pass[top.i] = p
			state[top.i] = done
			stack = stack[:len(stack)-1]
		}
	}
	order = slices.Clone(locals)
	slices.SortStableFunc(order, func(a, b *recipe.Local) int { return pass[index[a.Name]] - pass[index[b.Name]] })
	return order, false
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
			if name, ok := TraversalName(t[1]); ok && byName[name] != nil {
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
func (d *declaredNames) undeclaredRef(t hcl.Traversal) *hcl.Diagnostic {
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
	name, ok := TraversalName(t[1])
	if !ok {
		return nil // var[0] and the like: evaluation reports them
	}
	if root == "var" {
		if d.vars[name] {
			return nil
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared variable",
			Detail:   fmt.Sprintf("No variable %q is declared in this recipe.%s To add one, declare it with a variable %q { default = ... } block.", name, d.didYouMean(name, d.varList), name),
			Subject:  t.SourceRange().Ptr(),
		}
	}
	if d.locals[name] {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared local value",
		Detail:   fmt.Sprintf("No local value %q is declared in this recipe.%s To add one, set %s = ... in a locals block.", name, d.didYouMean(name, d.localList), name),
		Subject:  t.SourceRange().Ptr(),
	}
}

// TraversalName returns the name a traversal step selects: .name or
// ["name"].
func TraversalName(step hcl.Traverser) (string, bool) {
	switch s := step.(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}
