package upload_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

func planSource(t *testing.T, src string) (*engine.Plan, string) {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse([]byte(src), "r.hcl", recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		t.Fatalf("parse: %s", diags)
	}
	plan, _, diags := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	if !diags.HasErrors() {
		return plan, ""
	}
	return plan, diags.Error()
}

const validateRecipe = `
build {
  name    = "b"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "disk" {
  command = ["true"]
  outputs = ["disk.raw"]
}
stage "upload" "publish" {
  artifacts = ARTIFACTS
  to        = TO
}
`

func TestValidate(t *testing.T) {
	for _, tc := range []struct{ artifacts, to, want string }{
		{`{ raw = stage.disk["disk.raw"] }`, `"store"`, ""},
		{`{ raw = stage.disk["disk.raw"] }`, `"oci://127.0.0.1:5000/imgpipe/b:1-1"`, ""},
		{`{ raw = stage.disk["disk.raw"] }`, `"s3://bucket/x"`, `Invalid upload destination; "s3://bucket/x" is neither "store" nor an oci:// reference`},
		{`{ raw = stage.disk["disk.raw"] }`, `"oci://host/repo"`, "has no tag"},
		{`{}`, `"store"`, "Nothing to upload"},
	} {
		src := strings.NewReplacer("ARTIFACTS", tc.artifacts, "TO", tc.to).Replace(validateRecipe)
		plan, diags := planSource(t, src)
		switch {
		case tc.want == "" && diags != "":
			t.Errorf("%s %s: %s", tc.artifacts, tc.to, diags)
		case tc.want != "" && !strings.Contains(diags, tc.want):
			t.Errorf("%s %s: diagnostics %q, want %q", tc.artifacts, tc.to, diags, tc.want)
		}
		if tc.want == "" {
			if n := plan.Instances["publish"]["x86_64"]; n == nil || !n.Kind.UsesRelease || !n.Kind.Uncached {
				t.Errorf("the upload instance does not use the release or is cached: %+v", n)
			}
		}
	}
}

// TestKickstartProvenance: a kickstart fetched by fetch-ks carries its
// revision; kickstart_url and kickstart_revision set them explicitly.
func TestKickstartProvenance(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	ks := e.object("fetch-ks", "ks", kind.NoArch, map[string]fileContent{
		"tree/fedora-cloud.ks": {data: []byte("%include base.ks\nrootpw --lock\n")},
		"tree/base.ks":         {data: []byte("text\nreboot\n")},
	}, map[string]string{"tree": "tree", "kickstart": "tree/fedora-cloud.ks", "revision": "0123456789abcdef0123456789abcdef01234567"})
	fx.kickstarts = []string{filepath.Join(ks, "tree/fedora-cloud.ks"), fx.kickstarts[1]}
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	got := readMeta(t, dir).Builds["x86_64"].Kickstarts
	if len(got) != 2 || got[0].Role != "original" || got[1].Role != "rewritten" {
		t.Fatalf("kickstarts %+v", got)
	}
	for _, k := range got {
		if k.Revision != "0123456789abcdef0123456789abcdef01234567" || k.URL != "" {
			t.Errorf("%s: url %q revision %q", k.Path, k.URL, k.Revision)
		}
	}
	if got[0].Path != "data/kickstarts/x86_64/original-fedora-cloud.ks" {
		t.Errorf("original at %s", got[0].Path)
	}

	// Explicit provenance, in a scratch build (its own directory).
	b.Scratch = true
	s, _ = e.stage(b, "x86_64", fx, "")
	obj := s.Config.AsValueMap()
	obj["kickstart_url"] = cty.StringVal("git+https://pagure.io/fedora-kickstarts.git?#f41")
	obj["kickstart_revision"] = cty.StringVal("fedcba9876543210fedcba9876543210fedcba98")
	s.Config = cty.ObjectVal(obj)
	dir = runStage(t, s)
	for _, k := range readMeta(t, dir).Builds["x86_64"].Kickstarts {
		if k.URL != "git+https://pagure.io/fedora-kickstarts.git?#f41" || k.Revision != "fedcba9876543210fedcba9876543210fedcba98" {
			t.Errorf("%s: url %q revision %q", k.Path, k.URL, k.Revision)
		}
	}
	validateMetadata(t, filepath.Join(dir, "metadata.json"))
}
