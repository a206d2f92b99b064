package kind

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/store"
)

// StringList returns the known, non-null elements of a list of strings: a
// kind's DynamicOutputs reads its output names with it.
func StringList(v cty.Value) []string {
	if v.IsNull() || !v.IsWhollyKnown() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

// CheckOutputNames checks the output names a kind with DynamicOutputs
// takes from the attribute attr: each names a file directly inside
// $IMGPIPE_OUT, none twice, none that the kind declares itself (fixed) or
// that the store keeps for its own record.
func (c *Config) CheckOutputNames(attr string, fixed ...string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diag := func(summary, detail string, args ...any) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  summary,
			Detail:   fmt.Sprintf(detail, args...),
			Subject:  c.Range(attr),
		})
	}
	seen := map[string]bool{}
	for _, name := range StringList(c.Get(attr)) {
		switch {
		case name == store.ResultFile:
			diag("Reserved output name", "imgpipe keeps %q for the stage's record in the store; choose another name.", name)
		case slices.Contains(fixed, name):
			diag("Reserved output name", "%q is already an output of every stage of this kind; choose another name.", name)
		case name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/'):
			diag("Invalid output name", "%q is not a file name: %s names files directly inside $IMGPIPE_OUT, without slashes.", name, attr)
		case seen[name]:
			diag("Duplicate output name", "%q is listed twice in %s.", name, attr)
		}
		seen[name] = true
	}
	return diags
}
