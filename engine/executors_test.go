package engine_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
)

// TestExecutorRouting plans testdata/valid/executors.hcl and checks where
// each instance runs and in what.
func TestExecutorRouting(t *testing.T) {
	plan, execs := prepareValid(t, "executors.hcl")
	dir, err := filepath.Abs(filepath.Join("testdata", "valid"))
	if err != nil {
		t.Fatal(err)
	}
	arm := &executor.ContainerSpec{Executor: "arm", Connection: "ssh://builder@arm-host/run/podman/podman.sock",
		IdentityFile: filepath.Join(dir, "keys", "arm"), Image: "localhost/builder:arm"}
	z := &executor.ContainerSpec{Executor: "z", Connection: "tcp://z-host:8888", Image: "localhost/builder:z"}
	tests := []struct {
		stage, arch string
		executor    string
		container   *executor.ContainerSpec
	}{
		{"ks", "aarch64", "host", nil},
		{"kickstart", "s390x", "host", nil},
		{"build", "x86_64", "host", nil},
		{"build", "aarch64", "arm", arm},
		{"build", "s390x", "z", z},
		{"own_image", "x86_64", "host", nil},
		{"own_image", "aarch64", "arm", &executor.ContainerSpec{Executor: "arm", Connection: arm.Connection, IdentityFile: arm.IdentityFile, Image: "localhost/mine:1"}},
		{"own_image", "s390x", "z", &executor.ContainerSpec{Executor: "z", Connection: z.Connection, Image: "localhost/mine:1"}},
		{"on_host", "aarch64", "host", nil},
		{"on_other", "x86_64", "other", &executor.ContainerSpec{Executor: "other", Image: "localhost/other:1"}},
		{"on_podman", "s390x", "podman", &executor.ContainerSpec{Executor: "podman", Image: "localhost/builder:local"}},
		{"publish", "aarch64", "host", nil},
		{"publish", "s390x", "host", nil},
	}
	for _, tt := range tests {
		n := plan.Instances[tt.stage][tt.arch]
		if n == nil {
			t.Errorf("%s has no instance for %s", tt.stage, tt.arch)
			continue
		}
		if n.Executor != tt.executor {
			t.Errorf("%s[%s] runs on %q, want %q", tt.stage, tt.arch, n.Executor, tt.executor)
		}
		if diff := cmp.Diff(tt.container, n.Container); diff != "" {
			t.Errorf("%s[%s] container (-want +got):\n%s", tt.stage, tt.arch, diff)
		}
	}
	// Before the executors are opened, a container's identity names its
	// image and its executor, so instances routed elsewhere are not merged.
	if got, want := plan.Instances["build"]["aarch64"].ExecutorIdentity, "podman image=localhost/builder:arm executor=arm"; got != want {
		t.Errorf("build[aarch64] identity %q, want %q", got, want)
	}
	if plan.Instances["build"]["x86_64"] == plan.Instances["build"]["aarch64"] {
		t.Error("build runs once for the host and the arm executor")
	}
	// on_host is not per arch and runs on the host for every arch: one instance.
	if n := plan.Instances["on_host"]["x86_64"]; n != plan.Instances["on_host"]["s390x"] || n.Arch != kind.NoArch {
		t.Errorf("on_host has an instance per arch")
	}

	if len(plan.ExecutorBlocks) != 3 || plan.ExecutorBlocks[0].Name != "arm" || !cmp.Equal(plan.ExecutorBlocks[0].Arches, []string{"aarch64"}) {
		t.Errorf("plan.ExecutorBlocks = %+v", plan.ExecutorBlocks)
	}
	// The plan --json document names the executor of every instance that
	// does not run on the host.
	for _, s := range plan.Doc(nil).Stages {
		want := ""
		if n := plan.Instances[s.Name][s.Arches[0]]; n.Executor != "host" {
			want = n.Executor
		}
		if s.ExecutorName != want {
			t.Errorf("plan doc: %s[%s] executor_name %q, want %q", s.Name, s.Arch, s.ExecutorName, want)
		}
	}

	// Without a Containers opener the plan cannot run its container stages.
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.Run(t.Context(), plan, execs, st, engine.RunOptions{})
	diags, _ := err.(hcl.Diagnostics)
	var names []string
	for _, d := range diags {
		if d.Summary == "Executor not available" {
			names = append(names, d.Subject.String())
		}
	}
	if len(names) != 6 { // build and own_image on arm and z, on_other, on_podman
		t.Errorf("Runnable without containers: %v, want 6 refused", diags)
	}
}

// TestContainerKindRouting: a Container kind that names no executor runs on
// its arch's executor block, else on "podman"; on the host it is an error.
func TestContainerKindRouting(t *testing.T) {
	boxed := &kind.Kind{Name: "boxed", Container: true, PerArch: true}
	src := `build {
  name    = "c"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

executor "podman" "arm" {
  connection = "unix:///run/arm.sock"
  arches     = ["aarch64"]
}

stage "boxed" "a" {
  image = "localhost/root:1"
}
`
	r, diags := recipe.Parse([]byte(src), "boxed.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plan, _, diags := engine.NewPlanner([]*kind.Kind{boxed}).Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for arch, want := range map[string]string{"x86_64": "podman", "aarch64": "arm"} {
		if n := plan.Instances["a"][arch]; n.Executor != want || n.Container == nil || n.Container.Image != "localhost/root:1" {
			t.Errorf("a[%s] runs on %q in %+v, want %q in localhost/root:1", arch, n.Executor, n.Container, want)
		}
	}

	for _, tt := range []struct{ body, want string }{
		{`executor = "host"`, "Container stage on the host"},
		{``, "Missing image"},
	} {
		src := "build {\n  name = \"c\"\n  version = \"1\"\n  arches = [\"x86_64\"]\n}\n\nstage \"boxed\" \"a\" {\n  " + tt.body + "\n}\n"
		r, diags := recipe.Parse([]byte(src), "boxed.hcl")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		_, _, diags = engine.NewPlanner([]*kind.Kind{boxed}).Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
		if len(diags) != 1 || diags[0].Summary != tt.want || diags[0].Subject == nil {
			t.Errorf("%q: %v, want one %q", tt.body, diags, tt.want)
		}
	}
}

// TestExecutorPool plans testdata/valid/pools.hcl: aarch64's stages may
// run on either block, the pool's first is the node's container, and the
// provisional identity names the pool, not a builder.
func TestExecutorPool(t *testing.T) {
	plan := planValid(t, "pools.hcl")
	arm1 := executor.ContainerSpec{Executor: "arm1", Connection: "ssh://builder@arm1/run/podman/podman.sock", Image: "localhost/builder:1"}
	arm2 := executor.ContainerSpec{Executor: "arm2", Connection: "ssh://builder@arm2/run/podman/podman.sock", Image: "localhost/builder:1"}

	n := plan.Instances["build"]["aarch64"]
	if n.Executor != "arm1+arm2" {
		t.Errorf("build[aarch64] runs on %q, want the pool arm1+arm2", n.Executor)
	}
	if diff := cmp.Diff([]executor.ContainerSpec{arm1, arm2}, n.Pool); diff != "" {
		t.Errorf("build[aarch64] pool (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&arm1, n.Container); diff != "" {
		t.Errorf("build[aarch64] container (-want +got):\n%s", diff)
	}
	if got, want := n.ExecutorIdentity, "podman image=localhost/builder:1 executor=arm1+arm2"; got != want {
		t.Errorf("build[aarch64] identity %q, want %q", got, want)
	}
	if x := plan.Instances["build"]["x86_64"]; x.Executor != "host" || x.Pool != nil {
		t.Errorf("build[x86_64] runs on %q, pool %v; want the host", x.Executor, x.Pool)
	}
	p := plan.Instances["pinned"]["aarch64"]
	if diff := cmp.Diff([]executor.ContainerSpec{arm2}, p.Pool); p.Executor != "arm2" || diff != "" {
		t.Errorf("pinned[aarch64] runs on %q, pool (-want +got):\n%s", p.Executor, diff)
	}
	var jobs []int
	for _, b := range plan.ExecutorBlocks {
		jobs = append(jobs, b.Jobs)
	}
	if !cmp.Equal(jobs, []int{2, 1}) {
		t.Errorf("jobs %v, want [2 1] (set, and the default)", jobs)
	}
}
