package kind

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Spec is the hcldec spec of the kind's block.
func (k *Kind) Spec() hcldec.ObjectSpec { return AttrSpec(k.Attrs) }

// AttrSpec is the hcldec spec of a block with these attributes.
func AttrSpec(attrs []Attr) hcldec.ObjectSpec {
	spec := hcldec.ObjectSpec{}
	for _, a := range attrs {
		var s hcldec.Spec = &hcldec.AttrSpec{Name: a.Name, Type: a.Type, Required: a.Required}
		if a.Default != cty.NilVal {
			s = &hcldec.DefaultSpec{Primary: s, Default: &hcldec.LiteralSpec{Value: a.Default}}
		}
		spec[a.Name] = s
	}
	return spec
}

// CheckOneOf reports attributes whose value is not one of their OneOf.
func CheckOneOf(attrs []Attr, c *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range attrs {
		if len(a.OneOf) == 0 {
			continue
		}
		v := c.Get(a.Name)
		if v.IsMarked() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			continue
		}
		if s := v.AsString(); !slices.Contains(a.OneOf, s) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Invalid value for %s", a.Name),
				Detail:   fmt.Sprintf("%q is not one of %s.%s", s, suggest.QuoteList(a.OneOf), suggest.DidYouMean(s, a.OneOf)),
				Subject:  c.Range(a.Name),
			})
		}
	}
	return diags
}
