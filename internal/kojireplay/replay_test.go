package kojireplay

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/kojihub/kojihubtest"
)

// recorded serves the hub responses of the fake hub's koji-replay
// scenario (internal/kojihub/kojihubtest/testdata/koji-replay.py, written
// by Koji's own marshaller), decoded by the hub client's decoder. The
// command's tests (cmd/imgpipe/testdata/script/koji_replay*.txtar) serve
// them over HTTPS through internal/kojihub/kojihubtest.
type recorded struct{ dir string }

func (r *recorded) Call(ctx context.Context, method string, args ...any) (any, error) {
	data, err := kojihubtest.Response(r.dir, method, args...)
	if err != nil {
		return nil, err
	}
	return kojihub.DecodeResponse(data)
}

func hub(t *testing.T) *recorded {
	return &recorded{dir: kojihubtest.Scenario("koji-replay")}
}

func TestReplayErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Replay(ctx, hub(t), 125999999, Options{})
	if _, ok := errors.AsType[*NotFoundError](err); !ok {
		t.Errorf("unknown task: %v, want a NotFoundError", err)
	}
	_, err = Replay(ctx, hub(t), 125000301, Options{})
	if me, ok := errors.AsType[*MethodError](err); !ok || me.Method != "build" {
		t.Errorf("build task: %v, want a MethodError", err)
	}
	_, err = Replay(ctx, hub(t), 125000201, Options{})
	if _, ok := errors.AsType[*TopURLError](err); !ok {
		t.Errorf("tag repo without topurl: %v, want a TopURLError", err)
	}
}

// A child task is replayed as its parent: the same recipe, which says
// which task was asked for.
func TestReplayWalksUp(t *testing.T) {
	opts := Options{Hub: "https://koji.example.org/kojihub", TopURL: "https://kojipkgs.example.org"}
	parent, err := Replay(context.Background(), hub(t), 125000001, opts)
	if err != nil {
		t.Fatal(err)
	}
	child, err := Replay(context.Background(), hub(t), 125000003, opts)
	if err != nil {
		t.Fatal(err)
	}
	if child.TaskID != 125000001 || child.Asked != 125000003 || child.Method != "image" {
		t.Errorf("child: task %d asked %d method %s, want 125000001, 125000003, image", child.TaskID, child.Asked, child.Method)
	}
	asked := "# Asked for task 125000003, a child of it.\n"
	if got := strings.Replace(string(child.HCL), asked, "", 1); got != string(parent.HCL) {
		t.Errorf("the child's recipe is not the parent's plus %q:\n%s\nparent's:\n%s", asked, child.HCL, parent.HCL)
	}
}

// A task as the koji command line submits it: --can-fail as a comma
// string, the integer disk size, no format, no repo; and a ksurl branch
// the builders checked out at two commits: the first child's is pinned,
// and both the recipe and a warning say so.
func TestReplayCommandLineTask(t *testing.T) {
	r, err := Replay(context.Background(), hub(t), 125000401, Options{TopURL: "https://kojipkgs.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	hcl := string(r.HCL)
	// Words, not layout: hclwrite aligns the "=" of neighbours, and
	// comments wrap.
	words := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "#", "")), " ") }
	for _, want := range []string{
		`can_fail = ["aarch64"]`,
		`disk_size = "10"`,
		`repo = ["https://kojipkgs.example.org/repos/f41-build/6000401/$arch"]`,
		`ksurl = "git+https://pagure.io/fedora-kickstarts.git?#5d0c3b1f2e4a"`,
		"scratch = true",
		`release = "20241027.n.0"`,
		"Other builders checked out 8e7f6a5b4c3d in checkout-aarch64.log of task 125000403 (aarch64)",
	} {
		if !strings.Contains(words(hcl), words(want)) {
			t.Errorf("the recipe has no %q:\n%s", want, hcl)
		}
	}
	if strings.Contains(hcl, "format") {
		t.Errorf("no format given, yet the recipe sets one:\n%s", hcl)
	}
	var warned bool
	for _, w := range r.Warnings {
		warned = warned || strings.Contains(w, "checked out different commits")
	}
	if !warned {
		t.Errorf("no warning about the two commits: %q", r.Warnings)
	}
}
