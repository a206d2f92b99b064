package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages"
)

const settingsRecipe = `
build {
  name    = "settings"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "before" {
  command = ["true"]
}
stage "guest-install" "install" {
  kickstart    = "ks.cfg"
  install_tree = "http://example.com/tree"
  depends_on   = [stage.before]
}
`

func prepareWith(t *testing.T, src string, settings ...engine.Setting) (*engine.Plan, hcl.Diagnostics) {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse([]byte(src), filepath.Join(t.TempDir(), "recipe.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plan, _, diags := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true, Settings: settings})
	return plan, diags
}

var debugKey = engine.Setting{Kind: "guest-install", Attr: "debug_ssh", Flag: "--debug-install",
	Value: cty.ListVal([]cty.Value{cty.StringVal("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOk1 test")})}

// A setting (what a flag such as --debug-install gives) sets the attribute
// of every stage of its kind and changes those stages' IDs, and no other's,
// so that what it makes is never cached as what the recipe alone makes.
func TestSettingsChangeTheirStagesIDs(t *testing.T) {
	plain, diags := prepareWith(t, settingsRecipe)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	set, diags := prepareWith(t, settingsRecipe, debugKey)
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	ids := func(p *engine.Plan) map[string]string {
		m := map[string]string{}
		for _, n := range p.Nodes {
			m[n.Name] = n.ID
		}
		return m
	}
	a, b := ids(plain), ids(set)
	if a["before"] != b["before"] {
		t.Errorf("the exec stage's ID changed: %s, %s", a["before"], b["before"])
	}
	if a["install"] == b["install"] {
		t.Errorf("the guest-install stage's ID did not change: %s", a["install"])
	}
	for _, n := range set.Nodes {
		if n.Name == "install" && !n.Config.GetAttr("debug_ssh").Equals(debugKey.Value).True() {
			t.Errorf("debug_ssh is %#v", n.Config.GetAttr("debug_ssh"))
		}
	}
}

func TestSettingsDiagnostics(t *testing.T) {
	_, diags := prepareWith(t, `
build {
  name    = "settings"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "only" {
  command = ["true"]
}
`, debugKey)
	if diags.HasErrors() || len(diags) != 1 || !strings.Contains(diags[0].Detail, "--debug-install sets debug_ssh of guest-install stages, and this recipe has none") {
		t.Errorf("want one warning that the setting is unused, got %v", diags)
	}
	bad := debugKey
	bad.Attr = "debug_sh"
	_, diags = prepareWith(t, settingsRecipe, bad)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "--debug-install sets debug_sh of guest-install stages, which this imgpipe does not have") {
		t.Errorf("want an error naming the unknown attribute, got %v", diags)
	}
	bad = debugKey
	bad.Value = cty.EmptyObjectVal
	_, diags = prepareWith(t, settingsRecipe, bad)
	if !diags.HasErrors() {
		t.Errorf("a value of the wrong type was accepted")
	}
}

// A run gives the stage its configuration with the settings in place, as
// the plan hashed it.
func TestSettingsReachTheRun(t *testing.T) {
	planner := stages.Planner()
	r, diags := recipe.Parse([]byte(`
build {
  name    = "settings"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "greet" {
  env     = { WHO = "recipe" }
  command = ["sh", "-c", "echo $WHO >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
`), filepath.Join(t.TempDir(), "recipe.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	set := engine.Setting{Kind: "exec", Attr: "env", Flag: "--test", Value: cty.MapVal(map[string]cty.Value{"WHO": cty.StringVal("setting")})}
	plan, execs, diags := planner.Prepare(t.Context(), r, engine.PrepareOptions{Settings: []engine.Setting{set}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := engine.Run(t.Context(), plan, execs, st, engine.RunOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Results) != 1 || len(sum.Results[0].Files) != 1 {
		t.Fatalf("results %+v", sum.Results)
	}
	b, err := os.ReadFile(sum.Results[0].Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != "setting" {
		t.Errorf("the stage saw WHO=%s, want the setting's", got)
	}
}
