package kickstart

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

// only returns the one error diagnostic, failing unless there is exactly
// one with this summary.
func only(t *testing.T, diags hcl.Diagnostics, summary string) *hcl.Diagnostic {
	t.Helper()
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	if len(errs) != 1 || errs[0].Summary != summary {
		t.Fatalf("errors = %v, want one %q", errs, summary)
	}
	return errs[0]
}

// A file included many times over (each level includes the next ten
// times) is refused after maxIncludes includes; without the bound it
// would be read 10^8 times.
func TestIncludeDiamondRefused(t *testing.T) {
	fsys := fstest.MapFS{"leaf.ks": {Data: []byte("# leaf\n")}}
	for i := 0; i < 8; i++ {
		next := fmt.Sprintf("l%d.ks", i+1)
		if i == 7 {
			next = "leaf.ks"
		}
		fsys[fmt.Sprintf("l%d.ks", i)] = &fstest.MapFile{Data: []byte(strings.Repeat("%include "+next+"\n", 10))}
	}
	_, diags := Parse("top.ks", []byte("%include l0.ks\n"), Options{Resolver: FSResolver{FS: fsys}})
	only(t, diags, "Too many includes")
}

// Included files count towards the size bound of the kickstart.
func TestIncludedBytesBounded(t *testing.T) {
	half := []byte("# " + strings.Repeat("x", inputlimit.KickstartBytes/2) + "\n")
	fsys := fstest.MapFS{"a.ks": {Data: half}, "b.ks": {Data: half}}
	_, diags := Parse("top.ks", []byte("%include a.ks\n%include b.ks\n"), Options{Resolver: FSResolver{FS: fsys}})
	d := only(t, diags, "Kickstart too large")
	if d.Subject == nil || d.Subject.Start.Line != 2 {
		t.Errorf("subject %v, want the second %%include", d.Subject)
	}
}

// An included file larger than the bound is not read whole.
func TestIncludedFileTooLarge(t *testing.T) {
	fsys := fstest.MapFS{"big.ks": {Data: make([]byte, inputlimit.KickstartBytes+1)}}
	_, diags := Parse("top.ks", []byte("%include big.ks\n"), Options{Resolver: FSResolver{FS: fsys}})
	d := only(t, diags, "Cannot read included file")
	if !strings.Contains(d.Detail, "larger than 16 MiB") {
		t.Errorf("detail %q does not give the limit", d.Detail)
	}
}

// One command may appear maxInstances times; one more is one error on it.
func TestCommandInstancesBounded(t *testing.T) {
	var b strings.Builder
	for i := range maxInstances + 500 {
		fmt.Fprintf(&b, "network --device=eth%d --bootproto=dhcp\n", i)
	}
	_, diags := Parse("net.ks", []byte(b.String()), Options{})
	d := only(t, diags, "Too many network commands")
	if d.Subject.Start.Line != maxInstances+1 {
		t.Errorf("subject %v, want line %d", d.Subject, maxInstances+1)
	}
}
