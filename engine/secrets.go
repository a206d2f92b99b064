package engine

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// planSecrets collects what the plan knows to be secret
// (docs/reliability-secrets.md): the values of sensitive variables, and in
// the stages' configurations the credentials of URLs and the values of
// attributes and map keys named as secrets (an env PASSWORD).
func planSecrets(r *recipe.Recipe, vars cty.Value, nodes []*Node) *secret.Set {
	set := &secret.Set{}
	for _, v := range r.Variables {
		if v.Sensitive && vars.Type().IsObjectType() && vars.Type().HasAttribute(v.Name) {
			addStrings(set, vars.GetAttr(v.Name))
		}
	}
	for _, n := range nodes {
		addConfigSecrets(set, n.Config)
	}
	return set
}

// addConfigSecrets adds the secrets of a stage's configuration: URL
// credentials in any string, and every string under an attribute or map
// key whose name says it is secret.
func addConfigSecrets(set *secret.Set, cfg cty.Value) {
	cty.Walk(cfg, func(p cty.Path, v cty.Value) (bool, error) {
		if v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		if len(p) > 0 && secret.IsSecretName(stepName(p[len(p)-1])) {
			addStrings(set, v)
			return false, nil
		}
		if v.Type() == cty.String {
			_, found := secret.MaskURLs(v.AsString())
			set.Add(found...)
		}
		return true, nil
	})
}

func stepName(s cty.PathStep) string {
	switch s := s.(type) {
	case cty.GetAttrStep:
		return s.Name
	case cty.IndexStep:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString()
		}
	}
	return ""
}

// addStrings adds every known string (and number, as written) in v.
func addStrings(set *secret.Set, v cty.Value) {
	cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		switch v.Type() {
		case cty.String:
			set.Add(v.AsString())
		case cty.Number:
			set.Add(v.AsBigFloat().Text('f', -1))
		}
		return true, nil
	})
}

// maskValue returns v with the secrets in its strings masked, for showing
// a configuration (plan --json).
func maskValue(set *secret.Set, v cty.Value) cty.Value {
	out, err := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !v.IsMarked() {
			return cty.StringVal(set.Mask(v.AsString())), nil
		}
		return v, nil
	})
	if err != nil {
		return v
	}
	return out
}

// maskingSink masks the secrets in the text of every event before the
// sinks see it: events.jsonl, the progress front ends, and so the report.
func maskingSink(set *secret.Set, next events.Sink) events.Sink {
	return events.SinkFunc(func(e events.Event) {
		e.Line = set.Mask(e.Line)
		e.Error = set.Mask(e.Error)
		e.Reason = set.Mask(e.Reason)
		e.Recipe = set.Mask(e.Recipe)
		e.Build = set.Mask(e.Build)
		if len(e.Results) > 0 {
			results := make([]events.Result, len(e.Results))
			for i, r := range e.Results {
				results[i] = events.Result{Stage: r.Stage, Arch: r.Arch, Files: r.Files}
				if r.Values != nil {
					results[i].Values = map[string]string{}
					for k, v := range r.Values {
						results[i].Values[k] = set.Mask(v)
					}
				}
			}
			e.Results = results
		}
		next.Emit(e)
	})
}
