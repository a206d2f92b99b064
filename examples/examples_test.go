package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// goldenExecutor gives plans a fixed executor identity, so goldens do not
// change with the tools installed on the machine that runs the test.
type goldenExecutor struct{}

func (goldenExecutor) Identity() string { return "host (golden)" }
func (goldenExecutor) Run(context.Context, executor.Cmd) error {
	return errors.New("golden plans never run")
}

// TestExamplePlans plans every recipe under examples/, HCL and Koji INI
// alike, and compares its
// `plan --json` document with testdata/plan/<recipe>.json. Regenerate with
// UPDATE_GOLDEN=1 go test ./examples/ (never in CI).
func TestExamplePlans(t *testing.T) {
	update := os.Getenv("UPDATE_GOLDEN") != ""
	if update && os.Getenv("CI") != "" {
		t.Fatal("UPDATE_GOLDEN is set in CI: goldens are written by hand-run tests only")
	}
	schema := planSchema(t)
	recipes := exampleRecipes(t)
	if len(recipes) == 0 {
		t.Fatal("no example recipes found")
	}
	wantGoldens := map[string]bool{}
	for _, path := range recipes {
		golden := filepath.Join("testdata", "plan", strings.TrimSuffix(path, filepath.Ext(path))+".json")
		wantGoldens[golden] = true
		t.Run(path, func(t *testing.T) {
			planner := stages.Planner()
			var (
				r     *recipe.Recipe
				diags hcl.Diagnostics
				ini   *legacyini.Result
			)
			if filepath.Ext(path) == ".ini" {
				// A Koji INI, read as `imgpipe plan x.ini` reads it.
				ini, diags = legacyini.Load(path)
				if !diags.HasErrors() {
					var d hcl.Diagnostics
					r, d = ini.Recipe(recipe.WithPresets(planner.PresetTypes()...))
					diags = append(diags, d...)
				}
			} else {
				r, diags = recipe.LoadFile(path, recipe.WithPresets(planner.PresetTypes()...))
			}
			if diags.HasErrors() {
				t.Fatalf("parse: %s", diags)
			}
			// As imgpipe plan prepares it: offline, a source that cannot be
			// resolved is a warning.
			plan, _, planDiags := planner.Prepare(t.Context(), r, engine.PrepareOptions{
				Executors:       map[string]executor.Executor{"host": goldenExecutor{}},
				AllowUnresolved: true,
			})
			if ini != nil {
				planDiags = ini.Map(planDiags)
			}
			diags = append(diags, planDiags...)
			if diags.HasErrors() {
				t.Fatalf("plan: %s", diags)
			}
			if ini != nil {
				checkINIWarnings(t, path, diags)
			}
			// The same encoding as `imgpipe plan --json`.
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(plan.Doc(nil)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("plan does not match schemas/plan.schema.json: %v", err)
			}
			if update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%s has no golden plan: %v (write it with UPDATE_GOLDEN=1 go test ./examples/ and review it)", path, err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("plan of %s differs from %s (-want +got):\n%s", path, golden, diff)
			}
		})
	}
	// A golden whose example is gone is stale.
	filepath.WalkDir(filepath.Join("testdata", "plan"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !wantGoldens[p] {
			t.Errorf("%s has no example recipe; delete it", p)
		}
		return nil
	})
}

// iniWarnings are the warnings each INI example must give, and no others:
// the Koji guide's INI only the options that mean nothing without a hub.
var iniWarnings = map[string][]string{
	"koji-guide/fedora-server-docker.ini": {
		"Source not resolved: Cannot resolve url",
		"Unused locally: specfile",
		"Unused locally: target",
	},
	"koji-every-option/fedora-cloud.ini": {
		"Koji CLI option not carried: noprogress",
		"Koji CLI option not carried: wait",
		"Unused locally: background",
		"Unused locally: skip_tag",
		"Unused locally: specfile",
		"Unused locally: target",
		"[DEFAULT] keys not passed as OVA options",
		"[DEFAULT] keys not passed as factory parameters",
	},
}

func checkINIWarnings(t *testing.T, path string, diags hcl.Diagnostics) {
	t.Helper()
	want, ok := iniWarnings[filepath.ToSlash(path)]
	if !ok {
		t.Errorf("%s: list the warnings it must give in iniWarnings", path)
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary)
		if d.Subject == nil || d.Subject.Filename != path {
			t.Errorf("%s: warning %q does not point into the INI: %v", path, d.Summary, d.Subject)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: warnings (-want +got):\n%s", path, diff)
	}
}

func exampleRecipes(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (filepath.Ext(p) == ".hcl" || filepath.Ext(p) == ".ini") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func planSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../schemas/plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("plan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
