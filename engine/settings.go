package engine

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// Setting sets one attribute of every stage of a kind, over what the recipe
// says: what a command-line flag changes for one run (`imgpipe run
// --debug-install` sets guest-install's debug_ssh). It enters the stage IDs
// like any attribute, so what a setting made is never taken for what the
// recipe alone makes.
type Setting struct {
	Kind, Attr string
	Value      cty.Value
	// Flag names the setting in messages ("--debug-install").
	Flag string
}

// checkSettings checks that each setting names a kind the planner knows, an
// attribute of it, and a value of the attribute's type.
func (p *Planner) checkSettings(settings []Setting) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range settings {
		k, ok := p.kinds[s.Kind]
		var attr *kind.Attr
		if ok {
			if i := slices.IndexFunc(k.Attrs, func(a kind.Attr) bool { return a.Name == s.Attr }); i >= 0 {
				attr = &k.Attrs[i]
			}
		}
		if attr == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid setting",
				Detail: fmt.Sprintf("%s sets %s of %s stages, which this imgpipe does not have.", s.Flag, s.Attr, s.Kind)})
			continue
		}
		if _, err := convert.Convert(s.Value, attr.Type); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid setting",
				Detail: fmt.Sprintf("%s sets %s of %s stages: %v.", s.Flag, s.Attr, s.Kind, err)})
		}
	}
	return diags
}

// applySettings returns a stage's decoded configuration with the settings
// for its kind in place.
func applySettings(cfg cty.Value, k *kind.Kind, settings []Setting) cty.Value {
	if cfg.IsMarked() || !cfg.IsKnown() || cfg.IsNull() || !cfg.Type().IsObjectType() {
		return cfg
	}
	var vals map[string]cty.Value
	for _, s := range settings {
		if s.Kind != k.Name || !cfg.Type().HasAttribute(s.Attr) {
			continue
		}
		v, err := convert.Convert(s.Value, cfg.Type().AttributeType(s.Attr))
		if err != nil {
			continue // checkSettings reported it
		}
		if vals == nil {
			vals = cfg.AsValueMap()
		}
		vals[s.Attr] = v
	}
	if vals == nil {
		return cfg
	}
	return cty.ObjectVal(vals)
}

// unusedSettings warns of settings that no stage of the plan takes.
func unusedSettings(settings []Setting, nodes []*Node) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range settings {
		if !slices.ContainsFunc(nodes, func(n *Node) bool { return n.Kind.Name == s.Kind }) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Setting not used",
				Detail: fmt.Sprintf("%s sets %s of %s stages, and this recipe has none.", s.Flag, s.Attr, s.Kind)})
		}
	}
	return diags
}
