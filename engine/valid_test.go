package engine_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// validOptions are the -var and -var-file settings each valid recipe is
// planned with; recipes not listed get none.
var validOptions = map[string]engine.PrepareOptions{
	"variables.hcl": {
		VarFiles: []string{filepath.Join("testdata", "valid", "overrides.vars")},
		Vars:     []string{"release=7", `sizes={ x86_64 = 10, aarch64 = 16 }`},
	},
}

// planValid parses and prepares a recipe of testdata/valid, failing on any
// diagnostic.
func planValid(t *testing.T, name string) *engine.Plan {
	t.Helper()
	plan, _ := prepareValid(t, name)
	return plan
}

// prepareValid is planValid with the plan's executors.
func prepareValid(t *testing.T, name string) (*engine.Plan, *engine.Executors) {
	t.Helper()
	path := filepath.Join("testdata", "valid", name)
	planner := stages.Planner()
	r, diags := recipe.LoadFile(path, recipe.WithPresets(planner.PresetTypes()...))
	if len(diags) > 0 {
		t.Fatalf("parse %s: %s", path, diags)
	}
	plan, execs, diags := planner.Prepare(t.Context(), r, validOptions[name])
	if len(diags) > 0 {
		t.Fatalf("plan %s: %s", path, diags)
	}
	if plan == nil {
		t.Fatalf("plan %s: no plan and no diagnostics", path)
	}
	return plan, execs
}

func TestValidRecipes(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("testdata/valid holds %d recipes", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			plan := planValid(t, filepath.Base(path))
			// Every stage has an instance for every arch, and the nodes
			// come in a topological order.
			seen := map[*engine.Node]bool{}
			for _, n := range plan.Nodes {
				for _, dep := range n.Deps {
					if !seen[dep] {
						t.Errorf("%s [%s] comes before its dependency %s [%s]", n.Name, n.Arch, dep.Name, dep.Arch)
					}
				}
				seen[n] = true
			}
			for _, st := range plan.Recipe.Stages {
				for _, arch := range plan.Build.Arches {
					if n := plan.Instances[st.Name][arch]; n == nil || !slices.Contains(n.Arches, arch) {
						t.Errorf("stage %s has no instance for %s", st.Name, arch)
					}
				}
			}
		})
	}
}

// nodesByName returns the nodes of each stage.
func nodesByName(plan *engine.Plan) map[string][]*engine.Node {
	m := map[string][]*engine.Node{}
	for _, n := range plan.Nodes {
		m[n.Name] = append(m[n.Name], n)
	}
	return m
}

func TestValidEveryKind(t *testing.T) {
	plan := planValid(t, "every_kind.hcl")
	if diff := cmp.Diff([]string{"x86_64", "aarch64"}, plan.Build.Arches); diff != "" {
		t.Errorf("arches (-want +got):\n%s", diff)
	}
	if !plan.Build.Required("x86_64") || plan.Build.Required("aarch64") {
		t.Errorf("can_fail = %v: want aarch64 optional, x86_64 required", plan.Build.CanFail)
	}
	if plan.Build.Release != "" {
		t.Errorf("release = %q, want empty (null default)", plan.Build.Release)
	}

	var kinds []string
	for _, n := range plan.Nodes {
		if !slices.Contains(kinds, n.Kind.Name) {
			kinds = append(kinds, n.Kind.Name)
		}
	}
	for _, k := range stages.All() {
		if !slices.Contains(kinds, k.Name) {
			t.Errorf("no stage of kind %s", k.Name)
		}
	}

	// Arch-independent stages (fetch-ks, flatten and exec without arch in
	// their configuration) are one node for both arches; the rest, and
	// whatever uses their outputs, one node per arch.
	wantArches := map[string][]string{
		"ks":             {kind.NoArch},
		"kickstart":      {kind.NoArch},
		"notes":          {kind.NoArch},
		"kickstart_arch": {"x86_64", "aarch64"},
		"install":        {"x86_64", "aarch64"},
		"verify":         {"x86_64", "aarch64"},
		"images":         {"x86_64", "aarch64"},
		"sums":           {"x86_64", "aarch64"},
		"extras":         {"x86_64", "aarch64"},
		"srpm":           {"x86_64", "aarch64"},
		"publish":        {"x86_64", "aarch64"},
	}
	got := map[string][]string{}
	for name, nodes := range nodesByName(plan) {
		for _, n := range nodes {
			got[name] = append(got[name], n.Arch)
		}
	}
	if diff := cmp.Diff(wantArches, got); diff != "" {
		t.Errorf("node arches by stage (-want +got):\n%s", diff)
	}
	if len(plan.Nodes) != 19 {
		t.Errorf("%d nodes, want 19", len(plan.Nodes))
	}
	if a, b := plan.Instances["ks"]["x86_64"], plan.Instances["ks"]["aarch64"]; a != b {
		t.Errorf("fetch-ks has two instances: %s and %s", a.ID, b.ID)
	}
	if a, b := plan.Instances["install"]["x86_64"], plan.Instances["install"]["aarch64"]; a == b || a.ID == b.ID {
		t.Errorf("guest-install shares one instance between arches")
	}

	srpm := plan.Instances["srpm"]["x86_64"]
	if srpm.Kind.Name != "chroot" || srpm.Executor != "podman" {
		t.Errorf("mock stage: kind %s, executor %s; want chroot on podman", srpm.Kind.Name, srpm.Executor)
	}
	verify := plan.Instances["verify"]["aarch64"]
	if verify.Timeout != 10*time.Minute {
		t.Errorf("boot-verify timeout = %v, want 10m", verify.Timeout)
	}
	// The exec stage reading a map output still has its declared output,
	// and upload depends on it.
	sums := plan.Instances["sums"]["x86_64"]
	if diff := cmp.Diff([]string{"SHA256SUMS"}, sums.Outputs()); diff != "" {
		t.Errorf("sums outputs (-want +got):\n%s", diff)
	}
	publish := plan.Instances["publish"]["x86_64"]
	var deps []string
	for _, d := range publish.Deps {
		deps = append(deps, d.Name)
	}
	slices.Sort(deps)
	if diff := cmp.Diff([]string{"extras", "images", "kickstart_arch", "notes", "srpm", "sums", "verify"}, deps); diff != "" {
		t.Errorf("publish depends on (-want +got):\n%s", diff)
	}
	notes := plan.Instances["notes"]["x86_64"]
	if d := notes.Inputs["files/motd"]; !strings.HasPrefix(d, "sha256:") {
		t.Errorf("notes input digest = %q, want a sha256 digest", d)
	}
	// Locals that use arch resolve per arch.
	for _, arch := range plan.Build.Arches {
		n := plan.Instances["kickstart_arch"][arch]
		want := "https://example.org/pub/fedora/linux/releases/41/Everything/" + arch + "/os/"
		if got := n.Config.GetAttr("repos").Index(cty.NumberIntVal(0)).AsString(); got != want {
			t.Errorf("kickstart_arch [%s] repos[0] = %q, want %q", arch, got, want)
		}
	}
	fw := plan.Instances["install"]["aarch64"].Config.GetAttr("firmware").AsString()
	if fw != "uefi" {
		t.Errorf("aarch64 firmware = %q, want uefi", fw)
	}
}

func TestValidVariables(t *testing.T) {
	plan := planValid(t, "variables.hcl")
	// name and arches from the -var-file, release and sizes from -var
	// (applied last, so its sizes win), scratch from the file over the
	// default.
	want := kind.Build{
		Name:    "cloud-C",
		Version: "1",
		Release: "7",
		Arches:  []string{"x86_64", "aarch64", "ppc64le"},
		Scratch: true,
	}
	if diff := cmp.Diff(want, plan.Build); diff != "" {
		t.Errorf("build (-want +got):\n%s", diff)
	}
	// image uses arch (through local.size and local.tag): one node per
	// arch, and so does compress, which reads its output.
	byName := nodesByName(plan)
	for _, name := range []string{"image", "compress"} {
		if len(byName[name]) != 3 {
			t.Errorf("stage %s has %d nodes, want 3", name, len(byName[name]))
		}
	}
	if len(plan.Nodes) != 6 {
		t.Errorf("%d nodes, want 6", len(plan.Nodes))
	}
	for arch, size := range map[string]string{"x86_64": "10G", "aarch64": "16G", "ppc64le": "4G"} {
		n := plan.Instances["image"][arch]
		cmd := n.Config.GetAttr("command")
		if got := cmd.Index(cty.NumberIntVal(2)).AsString(); got != size {
			t.Errorf("image [%s] size = %q, want %q", arch, got, size)
		}
		env := n.Config.GetAttr("env").AsValueMap()
		if got, want := env["TAG"].AsString(), "cloud-C-"+arch+"-"+strings.TrimSuffix(size, "G"); got != want {
			t.Errorf("image [%s] TAG = %q, want %q", arch, got, want)
		}
		if got := env["LANG"].AsString(); got != "C" {
			t.Errorf("image [%s] LANG = %q, want C", arch, got)
		}
	}
	compress := plan.Instances["compress"]["aarch64"]
	if got, want := compress.Config.GetAttr("command").Index(cty.NumberIntVal(2)).AsString(), `${stage.image["disk.raw"]}`; got != want {
		t.Errorf("compress reads %q, want the placeholder %q", got, want)
	}
}

func TestValidDependsOn(t *testing.T) {
	plan := planValid(t, "depends_on.hcl")
	byName := nodesByName(plan)
	for name, want := range map[string]int{"manifest": 1, "lint": 1, "disk": 3, "publish": 3} {
		if got := len(byName[name]); got != want {
			t.Errorf("stage %s has %d nodes, want %d", name, got, want)
		}
	}
	if len(plan.Nodes) != 8 {
		t.Errorf("%d nodes, want 8", len(plan.Nodes))
	}
	for _, arch := range plan.Build.Arches {
		pub := plan.Instances["publish"][arch]
		var deps []string
		for _, d := range pub.Deps {
			deps = append(deps, d.Name+"/"+d.Arch)
		}
		slices.Sort(deps)
		want := []string{"disk/" + arch, "lint/" + kind.NoArch, "manifest/" + kind.NoArch}
		if diff := cmp.Diff(want, deps); diff != "" {
			t.Errorf("publish [%s] depends on (-want +got):\n%s", arch, diff)
		}
		if pub.Timeout != 30*time.Minute {
			t.Errorf("publish [%s] timeout = %v, want 30m from var.timeout", arch, pub.Timeout)
		}
	}
	if got := plan.Instances["disk"]["s390x"].Timeout; got != 2*time.Hour {
		t.Errorf("disk [s390x] timeout = %v, want 2h", got)
	}
	if got := plan.Instances["disk"]["x86_64"].Timeout; got != time.Hour {
		t.Errorf("disk [x86_64] timeout = %v, want 1h", got)
	}
}
