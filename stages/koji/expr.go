package koji

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/recipe"
)

// The expansion builds stage bodies from the preset block's own
// expressions, so variables, locals and arch keep working, and every
// diagnostic about an expanded stage points at the preset attribute it came
// from.

// body is a stage body under construction.
type body struct {
	rng   hcl.Range
	attrs hclsyntax.Attributes
}

func newBody(rng hcl.Range) *body {
	return &body{rng: rng, attrs: hclsyntax.Attributes{}}
}

func (b *body) set(name string, expr hclsyntax.Expression) {
	rng := expr.Range()
	b.attrs[name] = &hclsyntax.Attribute{Name: name, Expr: expr, SrcRange: rng, NameRange: rng, EqualsRange: rng}
}

func (b *body) hcl() *hclsyntax.Body {
	return &hclsyntax.Body{Attributes: b.attrs, Blocks: hclsyntax.Blocks{}, SrcRange: b.rng, EndRange: b.rng}
}

// stage makes a stage block of the expansion.
func stage(kind, name string, b *body) *recipe.Stage {
	return &recipe.Stage{
		Kind: kind, Name: name,
		KindRange: b.rng, NameRange: b.rng, DeclRange: b.rng,
		Body: b.hcl(),
	}
}

func lit(v cty.Value, rng hcl.Range) hclsyntax.Expression {
	return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng}
}

func str(s string, rng hcl.Range) hclsyntax.Expression {
	return lit(cty.StringVal(s), rng)
}

func strs(list []string, rng hcl.Range) hclsyntax.Expression {
	if len(list) == 0 {
		return lit(cty.ListValEmpty(cty.String), rng)
	}
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	return lit(cty.ListVal(vals), rng)
}

// ref is stage.<name>.<output> (or <output> as an index when it is not an
// identifier).
func ref(name, output string, rng hcl.Range) hclsyntax.Expression {
	trav := hcl.Traversal{
		hcl.TraverseRoot{Name: "stage", SrcRange: rng},
		hcl.TraverseAttr{Name: name, SrcRange: rng},
	}
	if hclsyntax.ValidIdentifier(output) {
		trav = append(trav, hcl.TraverseAttr{Name: output, SrcRange: rng})
	} else {
		trav = append(trav, hcl.TraverseIndex{Key: cty.StringVal(output), SrcRange: rng})
	}
	return &hclsyntax.ScopeTraversalExpr{Traversal: trav, SrcRange: rng}
}

func variable(name string, rng hcl.Range) hclsyntax.Expression {
	return &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: name, SrcRange: rng}}, SrcRange: rng}
}

func call(fn string, rng hcl.Range, args ...hclsyntax.Expression) hclsyntax.Expression {
	return &hclsyntax.FunctionCallExpr{Name: fn, Args: args, NameRange: rng, OpenParenRange: rng, CloseParenRange: rng}
}

// substArch is replace(expr, "$arch", arch): Koji's literal $arch in install
// tree and repo URLs, substituted per architecture.
func substArch(expr hclsyntax.Expression) hclsyntax.Expression {
	rng := expr.Range()
	return call("replace", rng, expr, str("$arch", rng), variable("arch", rng))
}

// substArchList is [for u in expr : replace(u, "$arch", arch)].
func substArchList(expr hclsyntax.Expression) hclsyntax.Expression {
	rng := expr.Range()
	return &hclsyntax.ForExpr{
		ValVar:   "u",
		CollExpr: expr,
		ValExpr:  substArch(variable("u", rng)),
		SrcRange: rng, OpenRange: rng, CloseRange: rng,
	}
}

// list is a tuple of expressions.
func list(rng hcl.Range, items ...hclsyntax.Expression) hclsyntax.Expression {
	return &hclsyntax.TupleConsExpr{Exprs: items, SrcRange: rng, OpenRange: rng}
}

// object is a map of expressions, keys in the given order.
func object(rng hcl.Range, kv ...any) hclsyntax.Expression {
	var items []hclsyntax.ObjectConsItem
	for i := 0; i+1 < len(kv); i += 2 {
		key := str(kv[i].(string), rng)
		items = append(items, hclsyntax.ObjectConsItem{
			KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: key},
			ValueExpr: kv[i+1].(hclsyntax.Expression),
		})
	}
	return &hclsyntax.ObjectConsExpr{Items: items, SrcRange: rng, OpenRange: rng}
}

// template concatenates literal strings and expressions into one string.
func template(rng hcl.Range, parts ...any) hclsyntax.Expression {
	var exprs []hclsyntax.Expression
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			exprs = append(exprs, str(p, rng))
		case hclsyntax.Expression:
			exprs = append(exprs, p)
		}
	}
	return &hclsyntax.TemplateExpr{Parts: exprs, SrcRange: rng}
}

// stringList is v's items when v is a wholly known list with no null item.
func stringList(v cty.Value) ([]string, bool) {
	if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsListType() || v.Type().IsTupleType()) {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// repeats returns each item of list that comes again, once, in order.
func repeats(list []string) []string {
	seen := map[string]int{}
	var out []string
	for _, s := range list {
		if seen[s]++; seen[s] == 2 {
			out = append(out, s)
		}
	}
	return out
}

// distinct is e without the items that repeat an earlier one, in the
// user's order, when its value v is known; else e. Koji's builders take
// repo, format and livemedia's arches as sets, so a repeat counts once.
// The items kept are e's own expressions where e is written out, so their
// ranges stay.
func distinct(e hclsyntax.Expression, v cty.Value) hclsyntax.Expression {
	vals, ok := stringList(v)
	if !ok || len(repeats(vals)) == 0 {
		return e
	}
	seen := map[string]bool{}
	var keep []int
	for i, s := range vals {
		if !seen[s] {
			seen[s] = true
			keep = append(keep, i)
		}
	}
	if tup, ok := e.(*hclsyntax.TupleConsExpr); ok && len(tup.Exprs) == len(vals) {
		out := &hclsyntax.TupleConsExpr{SrcRange: tup.SrcRange, OpenRange: tup.OpenRange}
		for _, i := range keep {
			out.Exprs = append(out.Exprs, tup.Exprs[i])
		}
		return out
	}
	kept := make([]string, len(keep))
	for j, i := range keep {
		kept[j] = vals[i]
	}
	return strs(kept, e.Range())
}
