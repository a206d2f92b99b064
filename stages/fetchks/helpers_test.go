package fetchks_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/gogetter/helper"
	execstage "github.com/imgpipe/imgpipe/stages/exec"
	"github.com/imgpipe/imgpipe/stages/fetchks"
)

// TestMain gives git (the tests' and go-getter's) a private configuration:
// nothing from the user's or the system's can redirect a URL or sign a
// commit. The test binary is its own imgpipe-getter.
func TestMain(m *testing.M) {
	removeHelper := helper.RunAsHelper()
	home, err := os.MkdirTemp("", "fetchks-test-home-")
	if err != nil {
		panic(err)
	}
	cfg := filepath.Join(home, "gitconfig")
	os.WriteFile(cfg, []byte("[user]\n\tname = imgpipe test\n\temail = test@imgpipe.invalid\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"), 0o644)
	os.Setenv("HOME", home)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Setenv("GIT_CONFIG_GLOBAL", cfg)
	code := m.Run()
	os.RemoveAll(home)
	removeHelper()
	os.Exit(code)
}

// repo is a git repository made by a test, with a work tree.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	r := &repo{t: t, dir: filepath.Join(t.TempDir(), "origin")}
	r.git("init", "--quiet", r.dir)
	return r
}

// url is the repository in Koji's syntax with a subdirectory and revision.
func (r *repo) url(sub, rev string) string {
	u := "git+file://" + r.dir
	if sub != "" {
		u += "?" + sub
	}
	if rev != "" {
		u += "#" + rev
	}
	return u
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	if _, err := os.Stat(r.dir); err == nil {
		cmd.Dir = r.dir
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) symlink(rel, target string) {
	r.t.Helper()
	p := filepath.Join(r.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		r.t.Fatal(err)
	}
}

// commit commits everything and returns the commit.
func (r *repo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "--quiet", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// env is a recipe directory and a store.
type env struct {
	t     *testing.T
	dir   string
	store *store.Store
	// execs are the executors Prepare gave with each plan.
	execs map[*engine.Plan]*engine.Executors
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, dir: filepath.Join(root, "recipe"), execs: map[*engine.Plan]*engine.Executors{}}
	if err := os.Mkdir(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	return e
}

func planner() *engine.Planner {
	return engine.NewPlanner([]*kind.Kind{fetchks.Kind, execstage.Kind})
}

// recipe wraps stage blocks in a build block.
func recipeSrc(stages string) string {
	return `
build {
  name    = "ks"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}
` + stages
}

// plan plans stages as `imgpipe run` does: parse, plan (which validates),
// then resolve sources. It returns the diagnostics of the last step that
// ran.
func (e *env) plan(stages string) (*engine.Plan, hcl.Diagnostics) {
	e.t.Helper()
	src := recipeSrc(stages)
	path := filepath.Join(e.dir, "recipe.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		e.t.Fatal(err)
	}
	r, diags := recipe.Parse([]byte(src), path)
	if diags.HasErrors() {
		e.t.Fatalf("parse: %v", diags)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, execs, diags := planner().Prepare(ctx, r, engine.PrepareOptions{})
	if p != nil {
		e.execs[p] = execs
	}
	return p, diags
}

// mustPlan plans and fails the test on any error.
func (e *env) mustPlan(stages string) (*engine.Plan, hcl.Diagnostics) {
	e.t.Helper()
	p, diags := e.plan(stages)
	if diags.HasErrors() {
		e.t.Fatalf("plan: %v", diags)
	}
	return p, diags
}

// run runs a plan against the env's store.
func (e *env) run(p *engine.Plan) (*engine.Summary, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := engine.Run(ctx, p, e.execs[p], e.store, engine.RunOptions{})
	if sum == nil {
		e.t.Fatalf("Run returned no summary: %v", err)
	}
	return sum, err
}

// node returns the instance of a stage (fetch-ks is arch-independent).
func node(t *testing.T, p *engine.Plan, name string) *engine.Node {
	t.Helper()
	for _, n := range p.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no stage %s in the plan", name)
	return nil
}

// read returns a file of an object.
func (e *env) read(id, rel string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.store.ObjectDir(id), rel))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// stageError returns the error the run's report holds for a stage.
func (e *env) stageError(sum *engine.Summary, stage string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.store.Dir, "runs", sum.RunID, "report.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	var rep struct {
		Stages []struct {
			Stage, Status, Error string
		} `json:"stages"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		e.t.Fatal(err)
	}
	for _, s := range rep.Stages {
		if s.Stage == stage {
			return s.Error
		}
	}
	e.t.Fatalf("stage %s not in the report:\n%s", stage, b)
	return ""
}
