package stagetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages"
)

// Run writes src as recipe.hcl, with files beside it, into a fresh
// directory, plans it with every stage kind, resolves its sources and runs
// it against a fresh store. The error joins every failed stage's
// "name [arch]: error"; sinks see every event.
func Run(t *testing.T, ctx context.Context, src string, files map[string]string, sinks ...events.SinkFunc) (*engine.Summary, *store.Store, error) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "recipe")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "recipe.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, diags := recipe.Parse([]byte(src), path)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	p, execs, diags := engine.NewPlanner(stages.All()).Prepare(ctx, r, engine.PrepareOptions{})
	if diags.HasErrors() {
		t.Fatalf("prepare: %v", diags)
	}
	st, err := store.Open(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	var failures []string
	sum, err := engine.Run(ctx, p, execs, st, engine.RunOptions{Jobs: 2, Events: events.SinkFunc(func(e events.Event) {
		if e.Type == events.StageFailed {
			failures = append(failures, e.Stage+" ["+e.Arch+"]: "+e.Error)
		}
		for _, f := range sinks {
			f(e)
		}
	})})
	if len(failures) > 0 {
		err = errors.New(strings.Join(failures, "\n"))
	}
	return sum, st, err
}
