package kojiexport

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// Export returns what Koji needs to build a planned preset recipe: the INI
// for image_build, the koji spin-* command line (with a final newline) for
// livemedia, appliance and livecd, with CheckUpload's warnings added. It
// is an error for it to hold a secret of the plan (Secrets).
func Export(plan *engine.Plan) (string, hcl.Diagnostics) {
	var (
		out   string
		diags hcl.Diagnostics
	)
	if p := plan.Preset; p != nil && p.Preset.Name == "image_build" {
		b, d := INI(plan)
		out, diags = string(b), d
	} else {
		line, d := SpinCommand(plan)
		out, diags = line+"\n", d
	}
	diags = append(diags, Secrets(plan, out)...)
	return out, append(diags, CheckUpload(plan)...)
}

// Secrets returns an error for every preset attribute whose value holds a
// secret of the plan (a sensitive variable's value or one computed from
// it, a URL's password or token, a value named as a secret) and that the
// exported text holds, or one for the block when the text holds a secret
// no attribute alone shows. Koji shows every option of a task on its web
// pages and keeps it, so export-koji prints no secret, as no display of a
// run does (docs/reliability-secrets.md); a masked value would make a
// config that fails in Koji, so it refuses rather than masks.
func Secrets(plan *engine.Plan, out string) hcl.Diagnostics {
	p := plan.Preset
	if p == nil || plan.Secrets.Mask(out) == out {
		return nil
	}
	var diags hcl.Diagnostics
	names := make([]string, 0, len(p.Attrs))
	for name := range p.Attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if holdsSecret(plan.Secrets, p.Config.Get(name), out) {
			diags = append(diags, secretError(p.Config.Range(name), name))
		}
	}
	if len(diags) == 0 {
		diags = append(diags, secretError(p.DeclRange.Ptr(), p.Preset.Name+" "+p.Label))
	}
	return diags
}

// holdsSecret reports whether a string in v holds a secret that out holds
// too: an attribute Koji has no option for is not exported.
func holdsSecret(set *secret.Set, v cty.Value, out string) bool {
	found := false
	cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if found || !v.IsKnown() || v.IsNull() || v.IsMarked() {
			return false, nil
		}
		if v.Type() == cty.String {
			s := v.AsString()
			set.Mask(s) // adds the credentials of its URLs to the set
			for _, secretValue := range set.Values() {
				if strings.Contains(s, secretValue) && strings.Contains(out, secretValue) {
					found = true
				}
			}
		}
		return true, nil
	})
	return found
}

func secretError(rng *hcl.Range, what string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Secret in a Koji option",
		Detail: fmt.Sprintf("%s holds a secret (a sensitive variable's value, a URL's password or token, or a value named as a secret), "+
			"and Koji shows every option of a task on its web pages and keeps it: export-koji does not print it, as imgpipe shows no secret anywhere. "+
			"Give Koji a value it may publish (a URL that needs no credentials, a kickstart from the SCM); "+
			"if the value is no secret, declare its variable without sensitive = true.", what),
		Subject: rng,
	}
}
