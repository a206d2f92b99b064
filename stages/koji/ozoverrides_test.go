package koji_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// factoryParams is an image_build block's factory_parameters, one entry a
// line, so that the entry is on line 9 of the recipe.
func factoryParams(kv ...string) string {
	var b strings.Builder
	b.WriteString("  factory_parameters = {\n")
	for i := 0; i < len(kv); i += 2 {
		fmt.Fprintf(&b, "    %s = %q\n", kv[i], kv[i+1])
	}
	b.WriteString("  }")
	return b.String()
}

// TestOzOverridesApplied: oz_overrides reaches Oz as TinMan sets it
// (imagefactory_plugins/TinMan/TinMan.py _init_oz: json.loads of the value
// with ' replaced by ", each section's items set with str(val)), and Oz
// reads [libvirt] memory (MiB: oz/Guest.py multiplies it by 1024 for
// libvirt's KiB) and cpus for every domain it makes (_generate_xml), and
// [timeouts] install, inactivity and boot in seconds (oz/Guest.py's
// constructor, int()). So guest-install gets memory, cpus and the two
// watchdogs, and boot-verify, imgpipe's boot after the install, gets
// memory, cpus and boot as its timeout.
func TestOzOverridesApplied(t *testing.T) {
	p, diags := planImageBuild(t, factoryParams("oz_overrides",
		`{'libvirt': {'memory': 4096, 'cpus': '2'}, 'timeouts': {'install': 3600, 'inactivity': '600', 'boot': 120}}`))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %s", diags.Error())
	}
	for _, c := range []struct {
		stage, attr string
		want        cty.Value
	}{
		{"install", "memory", cty.StringVal("4096")},
		{"install", "cpus", cty.NumberIntVal(2)},
		{"install", "install_timeout", cty.StringVal("3600s")},
		{"install", "inactivity_timeout", cty.StringVal("600s")},
		{"verify", "memory", cty.StringVal("4096")},
		{"verify", "cpus", cty.NumberIntVal(2)},
	} {
		if got := stageAttr(t, p, c.stage, c.attr); !got.RawEquals(c.want) {
			t.Errorf("%s.%s = %#v, want %#v", c.stage, c.attr, got, c.want)
		}
	}
	if got := p.Instances["verify"]["x86_64"].Timeout; got != 120*time.Second {
		t.Errorf("verify's timeout = %s, want 2m0s ([timeouts] boot = 120)", got)
	}

	// An empty section sets nothing, so TinMan never asks ConfigParser for
	// it: no NoSectionError, no diagnostic.
	if _, diags := planImageBuild(t, factoryParams("oz_overrides", `{'nosuch': {}}`)); len(diags) > 0 {
		t.Errorf("empty unknown section: %s", diags.Error())
	}

	// Without oz_overrides: Oz's defaults, as before (guest-install's own).
	p, _ = planImageBuild(t, "")
	if got := stageAttr(t, p, "install", "memory"); !got.RawEquals(cty.StringVal("2048")) {
		t.Errorf("default install memory = %#v, want Oz's 2048", got)
	}
	if got := stageAttr(t, p, "install", "install_timeout"); !got.IsNull() {
		t.Errorf("default install_timeout = %#v, want unset (Oz's 1200 s)", got)
	}
}

// TestOzOverridesDiagnostics: what Koji's build would fail on is an error,
// what imgpipe cannot honour a warning, each at the oz_overrides entry.
func TestOzOverridesDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		value, severity, summary, detail string
	}{
		// TinMan's json.loads fails: the build fails.
		{`{'libvirt': {'memory': 4096}`, "error", "Invalid oz_overrides", "JSON"},
		{`null`, "error", "Invalid oz_overrides", "null"},
		{`{'libvirt': {'memory': 4096}} x`, "error", "Invalid oz_overrides", "text after"},
		{`{'libvirt': 4096}`, "error", "Invalid oz_overrides", ".items()"},
		// ConfigParser.set on a section oz.cfg lacks: NoSectionError.
		{`{'libvrt': {'memory': 4096}}`, "error", "Unknown oz.cfg section in oz_overrides", `Did you mean "libvirt"?`},
		// [DEFAULT] reaches only the sections the builder's oz.cfg leaves unset.
		{`{'DEFAULT': {'memory': 4096}}`, "warning", "oz_overrides setting not applied", "[DEFAULT]"},
		// str(4096.0) is "4096.0", str(True) "True": Oz's int() refuses both.
		{`{'libvirt': {'memory': 4096.0}}`, "error", "Invalid oz_overrides setting", "not a whole number"},
		{`{'timeouts': {'install': true}}`, "error", "Invalid oz_overrides setting", "not a number"},
		{`{'timeouts': {'inactivity': 0}}`, "error", "Invalid oz_overrides setting", "not positive"},
		// Python's int() has no bound; a time.Duration has.
		{`{'timeouts': {'install': 9223372036854775807}}`, "error", "Invalid install_timeout", "invalid duration"},
		// Oz reads no such key: nothing changes, in Koji either.
		{`{'libvirt': {'memroy': 4096}}`, "warning", "Unknown oz.cfg setting in oz_overrides", `Did you mean "memory"?`},
		// Real Oz settings that have no counterpart here.
		{`{'timeouts': {'shutdown': 60}}`, "warning", "oz_overrides setting not applied", "discards its throw-away VM"},
		{`{'libvirt': {'uri': 'qemu:///session'}}`, "warning", "oz_overrides setting not applied", "without libvirt"},
		{`{'icicle': {'safe_generation': 'yes'}}`, "warning", "oz_overrides setting not applied", "throw-away overlay"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			_, diags := planImageBuild(t, factoryParams("oz_overrides", tc.value))
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Summary == tc.summary {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("no %q: %v", tc.summary, diags)
			}
			sev := map[hcl.DiagnosticSeverity]string{hcl.DiagError: "error", hcl.DiagWarning: "warning"}[found.Severity]
			if sev != tc.severity || !strings.Contains(found.Detail, tc.detail) {
				t.Errorf("%s %q, want %s containing %q", sev, found.Detail, tc.severity, tc.detail)
			}
			if found.Subject == nil || found.Subject.Start.Line != 9 {
				t.Errorf("located at %v, want the oz_overrides entry, cloud.hcl line 9", found.Subject)
			}
		})
	}
}

// TestGenerateIcicle: TinMan makes the package list only when
// parameter_cast_to_bool(generate_icicle) is true (TinMan.py
// build_base_image; imgfac/FactoryUtils.py parameter_cast_to_bool: yes,
// true, 1 / no, false, 0 in any case, else None, which the if takes as
// false), and otherwise records "<icicle></icicle>": no packages. So
// boot-verify runs no package query (icicle = "").
func TestGenerateIcicle(t *testing.T) {
	for value, want := range map[string]struct {
		query   bool
		warning bool
	}{
		"False": {false, false}, "no": {false, false}, "0": {false, false},
		"True": {true, false}, "YES": {true, false}, "1": {true, false},
		"off": {false, true}, " true": {false, true}, // None: false
	} {
		t.Run(value, func(t *testing.T) {
			p, diags := planImageBuild(t, factoryParams("generate_icicle", value))
			icicle := stageAttr(t, p, "verify", "icicle")
			if query := icicle.IsNull(); query != want.query {
				t.Errorf("verify.icicle = %#v, want the default query: %v", icicle, want.query)
			}
			warned := false
			for _, d := range diags {
				if d.Summary == "generate_icicle read as false" {
					warned = true
					if d.Subject == nil || d.Subject.Start.Line != 9 {
						t.Errorf("located at %v, want line 9", d.Subject)
					}
				}
			}
			if warned != want.warning {
				t.Errorf("warning %v, want %v: %v", warned, want.warning, diags)
			}
		})
	}
}
