package eval

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/graph"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// StageRefs is what a stage block is and refers to, before any value is
// evaluated.
type StageRefs struct {
	Kind *kind.Kind
	Spec hcldec.ObjectSpec
	// Refs maps each referenced stage (by an output or depends_on) to the
	// first reference's range.
	Refs map[string]hcl.Range
	// Uses maps each stage whose outputs are referenced to those outputs'
	// names, sorted; "*" stands for all of them. ReleaseUses is the same
	// for the references outside Record attributes.
	Uses, ReleaseUses map[string][]string
	// Broken says the check found fault with the stage's references: the
	// planner does not instantiate it, so that the mistake is reported
	// once, while every other stage is still checked.
	Broken bool
}

// CheckStages resolves each stage's kind (kinds by name and alias; names
// are the canonical names, for suggestions) and collects its references,
// reporting references to stages or names that do not exist.
func CheckStages(r *recipe.Recipe, kinds map[string]*kind.Kind, kindNames []string) (map[string]*StageRefs, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	declared := newDeclaredNames(r)
	names := map[string]*recipe.Stage{}
	for _, s := range r.Stages {
		names[s.Name] = s
	}
	infos := map[string]*StageRefs{}
	for _, s := range r.Stages {
		k, ok := kinds[s.Kind]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown stage kind",
				Detail:   fmt.Sprintf("There is no stage kind %q.%s Kinds: %s.", s.Kind, suggest.DidYouMean(s.Kind, kindNames), strings.Join(kindNames, ", ")),
				Subject:  s.KindRange.Ptr(),
			})
			continue
		}
		info := &StageRefs{Kind: k, Spec: k.Spec(), Refs: map[string]hcl.Range{}, Uses: map[string][]string{}, ReleaseUses: map[string][]string{}}
		recordRefs := map[string]bool{} // traversals in Record attributes
		for _, a := range k.Attrs {
			if a.Record {
				for _, t := range hcldec.Variables(s.Body, hcldec.ObjectSpec{a.Name: info.Spec[a.Name]}) {
					recordRefs[t.SourceRange().String()] = true
				}
			}
		}
		infos[s.Name] = info
		before := len(diags)
		var travs []hcl.Traversal
		travs = append(travs, hcldec.Variables(s.Body, info.Spec)...)
		for _, e := range []hcl.Expression{s.Executor, s.Image, s.Timeout} {
			if e != nil {
				travs = append(travs, e.Variables()...)
			}
		}
		for _, t := range travs {
			if d := declared.undeclaredRef(t); d != nil {
				diags = append(diags, d)
				continue
			}
			if t.RootName() != "stage" {
				continue
			}
			if len(t) < 2 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Incomplete stage reference",
					Detail:   "Refer to a stage's output as stage.<name>.<output>, or to an output with a dot in its name as stage.<name>[\"<output>\"].",
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			name, ok := TraversalName(t[1])
			if ok && len(t) == 2 {
				if _, declared := names[name]; declared {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Incomplete stage reference",
						Detail:   fmt.Sprintf("stage.%s is the whole stage; name the output to use, as stage.%s.<output>.%s", name, name, outputsHint(kinds, names[name])),
						Subject:  t.SourceRange().Ptr(),
					})
					continue
				}
			}
			if !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid stage reference",
					Detail:   "Refer to a stage's output as stage.<name>.<output>.",
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			if _, ok := names[name]; !ok {
				diags = append(diags, declared.undeclaredStage(name, t.SourceRange()))
				continue
			}
			if _, seen := info.Refs[name]; !seen {
				info.Refs[name] = t.SourceRange()
			}
			out := "*" // an output chosen by a value: all of them
			if len(t) >= 3 {
				if o, ok := TraversalName(t[2]); ok {
					out = o
				}
			}
			addUse(info.Uses, name, out)
			if !recordRefs[t.SourceRange().String()] {
				addUse(info.ReleaseUses, name, out)
			}
		}
		for _, dep := range s.DependsOn {
			if _, ok := names[dep.Name]; !ok {
				diags = append(diags, declared.undeclaredStage(dep.Name, dep.Range))
				continue
			}
			if _, seen := info.Refs[dep.Name]; !seen {
				info.Refs[dep.Name] = dep.Range
			}
		}
		info.Broken = len(diags) > before
	}
	return infos, diags
}

// outputsHint names a stage's static outputs, for diagnostics.
func outputsHint(kinds map[string]*kind.Kind, s *recipe.Stage) string {
	k, ok := kinds[s.Kind]
	if !ok {
		return ""
	}
	var names []string
	for _, o := range k.Outputs {
		names = append(names, o.Name)
	}
	switch {
	case k.DynamicOutputs != nil && len(names) == 0:
		return fmt.Sprintf(" The outputs of %s stages are the names in their outputs argument.", k.Name)
	case len(names) == 0:
		return fmt.Sprintf(" %s stages have no outputs; to wait for one, use depends_on = [stage.%s].", k.Name, s.Name)
	}
	return fmt.Sprintf(" The outputs of %s stages are %s.", k.Name, strings.Join(names, ", "))
}

// addUse adds output to the outputs of stage name that uses lists.
func addUse(uses map[string][]string, name, output string) {
	if !slices.Contains(uses[name], output) {
		uses[name] = append(uses[name], output)
		slices.Sort(uses[name])
	}
}

func (d *declaredNames) undeclaredStage(name string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared stage",
		Detail:   fmt.Sprintf("No stage named %q is declared in this recipe.%s", name, d.didYouMean(name, d.stageList)),
		Subject:  rng.Ptr(),
	}
}

// SortStages orders stages so each comes after what it references, keeping
// the recipe's order among independent stages, and reports cycles.
func SortStages(r *recipe.Recipe, infos map[string]*StageRefs) ([]*recipe.Stage, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	byName := map[string]*recipe.Stage{}
	var names []string
	for _, s := range r.Stages {
		byName[s.Name] = s
		if infos[s.Name] != nil { // else its unknown kind is reported
			names = append(names, s.Name)
		}
	}
	// References in source order, for a deterministic result.
	refs := func(name string) []string {
		info := infos[name]
		out := make([]string, 0, len(info.Refs))
		for ref := range info.Refs {
			out = append(out, ref)
		}
		slices.SortFunc(out, func(a, b string) int {
			return info.Refs[a].Start.Byte - info.Refs[b].Start.Byte
		})
		return out
	}
	onCycle := func(cycle []string) {
		name, from := cycle[0], cycle[len(cycle)-2]
		rng := infos[from].Refs[name]
		if from == name {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Stage %q refers to itself", name),
				Detail:   "A stage cannot use its own outputs or depend on itself; remove the reference.",
				Subject:  rng.Ptr(),
			})
			return
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Cycle between stages %q and %q", from, name),
			Detail: fmt.Sprintf("Stage %q refers to %q, which depends on it in turn: %s. A stage cannot use its own outputs, directly or through others; remove one of these references.",
				from, name, strings.Join(cycle, " → ")),
			Subject: rng.Ptr(),
		})
	}
	var order []*recipe.Stage
	for _, name := range graph.Sort(names, refs, onCycle) {
		order = append(order, byName[name])
	}
	return order, diags
}

// UnknownOutputs reports the stage's references to outputs that the
// stages it refers to do not have (outputsOf tells a planned stage's kind
// and output names), and gives each a failed value in stages, so that
// evaluation does not report it again.
func (info *StageRefs) UnknownOutputs(st *recipe.Stage, outputsOf func(stage string) (*kind.Kind, []string, bool), stages map[string]cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	travs := hcldec.Variables(st.Body, info.Spec)
	for _, e := range []hcl.Expression{st.Executor, st.Image, st.Timeout} {
		if e != nil {
			travs = append(travs, e.Variables()...)
		}
	}
	for _, t := range travs {
		if t.RootName() != "stage" || len(t) < 3 {
			continue
		}
		name, ok := TraversalName(t[1])
		if !ok {
			continue
		}
		k, outputs, ok := outputsOf(name)
		if !ok {
			continue
		}
		out, ok := TraversalName(t[2])
		if !ok || slices.Contains(outputs, out) {
			continue
		}
		list := "It has no outputs."
		if len(outputs) > 0 {
			list = fmt.Sprintf("Its outputs are %s.", suggest.QuoteList(outputs))
		}
		if k.DynamicOutputs != nil {
			list += fmt.Sprintf(" The outputs of %s stages are the names in their outputs argument.", k.Name)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to unknown stage output",
			Detail:   fmt.Sprintf("Stage %q (%s) has no output %q.%s %s", name, k.Name, out, suggest.DidYouMean(out, outputs), list),
			Subject:  t.SourceRange().Ptr(),
		})
		attrs := stages[name].AsValueMap()
		if attrs == nil {
			attrs = map[string]cty.Value{}
		}
		attrs[out] = Failed
		stages[name] = cty.ObjectVal(attrs)
	}
	return diags
}
