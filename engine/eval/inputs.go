package eval

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/treehash"
)

// LocalInputs finds the local paths a stage reads (its kind's LocalPaths
// attributes) and hashes each (internal/treehash) when asked, else only
// checks that it exists. It returns each path as written with its digest
// (empty when not hashed) and with its absolute path; dir is the recipe's
// directory, which relative paths are in.
func LocalInputs(k *kind.Kind, c *kind.Config, dir string, hash bool) (digests, abs map[string]string, diags hcl.Diagnostics) {
	digests, abs = map[string]string{}, map[string]string{}
	for _, a := range k.Attrs {
		if !a.LocalPaths {
			continue
		}
		v := c.Get(a.Name)
		if v.IsNull() || !v.IsWhollyKnown() {
			continue
		}
		var paths []string
		if v.Type() == cty.String {
			paths = []string{v.AsString()}
		} else {
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if !e.IsNull() {
					paths = append(paths, e.AsString())
				}
			}
		}
		for _, p := range paths {
			full := p
			if !filepath.IsAbs(p) {
				full = filepath.Join(dir, p)
			}
			abs[p] = full
			digest := ""
			var err error
			if hash {
				digest, err = treehash.Path(full)
			} else {
				_, err = os.Lstat(full)
			}
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cannot read local input",
					Detail:   fmt.Sprintf("%s: %v. Paths are relative to the recipe's directory (%s).", p, UnwrapPathError(err), dir),
					Subject:  c.Range(a.Name),
				})
				continue
			}
			digests[p] = digest
		}
	}
	return digests, abs, diags
}
