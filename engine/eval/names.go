package eval

import (
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// maxSuggestions is how many mistakes get a "did you mean" from one
// declaredNames: as many as are printed of one kind (cmd/imgpipe prints
// 100). Each compares the name with every declared one, so thousands of
// mistakes in a large recipe would take quadratic time.
const maxSuggestions = 100

// declaredNames are the variables, local values and stages a recipe
// declares, as sets (a reference is checked in constant time) and as lists
// in source order (for suggestions).
type declaredNames struct {
	vars, locals                  map[string]bool
	varList, localList, stageList []string
	suggestions                   int
}

func newDeclaredNames(r *recipe.Recipe) *declaredNames {
	d := &declaredNames{vars: map[string]bool{}, locals: map[string]bool{}}
	for _, v := range r.Variables {
		d.vars[v.Name] = true
		d.varList = append(d.varList, v.Name)
	}
	for _, l := range r.Locals {
		d.locals[l.Name] = true
		d.localList = append(d.localList, l.Name)
	}
	for _, s := range r.Stages {
		d.stageList = append(d.stageList, s.Name)
	}
	return d
}

// didYouMean is suggest.DidYouMean for the first maxSuggestions mistakes.
func (d *declaredNames) didYouMean(name string, names []string) string {
	if d.suggestions >= maxSuggestions {
		return ""
	}
	d.suggestions++
	return suggest.DidYouMean(name, names)
}
