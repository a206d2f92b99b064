package koji

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// FuzzParseOzOverrides: any oz_overrides value reads without panicking,
// every diagnostic is located, and what is applied is a positive number.
func FuzzParseOzOverrides(f *testing.F) {
	for _, s := range []string{
		`{'libvirt': {'memory': 4096, 'cpus': 2}, 'timeouts': {'install': 3600}}`,
		`null`, `{'libvirt': null}`, `{'DEFAULT': {}}`, `[1]`, `{'timeouts': {'boot': -1}}`, `{} {}`,
	} {
		f.Add(s)
	}
	rng := hcl.Range{Filename: "r.hcl", Start: hcl.Pos{Line: 9, Column: 1}, End: hcl.Pos{Line: 9, Column: 2}}
	f.Fuzz(func(t *testing.T, s string) {
		oz, diags := parseOzOverrides(s, rng)
		for _, d := range diags {
			if d.Subject == nil || *d.Subject != rng {
				t.Fatalf("%q: %q not located", s, d.Summary)
			}
		}
		for _, v := range []string{oz.memory, oz.cpus, oz.install, oz.inactivity, oz.boot} {
			if v != "" && (v[0] < '1' || v[0] > '9') {
				t.Fatalf("%q: applied %q", s, v)
			}
		}
	})
}
