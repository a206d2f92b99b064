package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLineDiff(t *testing.T) {
	d := LineDiff("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n")
	var got []string
	for _, r := range d.Rows {
		got = append(got, fmt.Sprintf("%s %d:%s %d:%s", r.Op, r.LeftN, r.LeftLine, r.RightN, r.RightLine))
	}
	want := []string{"same 1:a 1:a", "changed 2:b 2:B", "same 3:c 3:c", "same 4:d 4:d", "added 0: 5:e"}
	if strings.Join(got, "|") != strings.Join(want, "|") || d.Changed != 2 {
		t.Errorf("diff:\n%s\nwant\n%s (changed %d)", strings.Join(got, "\n"), strings.Join(want, "\n"), d.Changed)
	}
	if d := LineDiff("x\ny\n", ""); len(d.Rows) != 2 || d.Rows[0].Op != "removed" {
		t.Errorf("all removed: %+v", d.Rows)
	}
}

// A diff too big to compare line by line is shown whole, quickly.
func TestLineDiffBounded(t *testing.T) {
	a := strings.Repeat("a\n", 5000)
	b := strings.Repeat("b\n", 5000)
	start := time.Now()
	d := LineDiff(a, b)
	if d.Changed != 5000 || time.Since(start) > 5*time.Second {
		t.Errorf("changed %d in %v", d.Changed, time.Since(start))
	}
}

// Stages are laid out in layers by depth; a need on an unknown or
// cyclic record does not loop.
func TestLayout(t *testing.T) {
	stages := []*Stage{
		{N: 1, Name: "ks", Arch: "noarch"},
		{N: 2, Name: "disk", Arch: "x86_64", Needs: []string{"ks [noarch]"}},
		{N: 3, Name: "up", Arch: "x86_64", Needs: []string{"disk [x86_64]", "ks [noarch]", "gone [x]"}},
		{N: 4, Name: "loop", Arch: "a", Needs: []string{"loop [a]"}},
	}
	g := Layout(stages)
	if len(g.Nodes) != 4 || len(g.Edges) != 4 {
		t.Fatalf("%d nodes, %d edges", len(g.Nodes), len(g.Edges))
	}
	if !(g.Nodes[0].X < g.Nodes[1].X && g.Nodes[1].X < g.Nodes[2].X) {
		t.Errorf("layers by depth: %+v", g.Nodes)
	}
}

// tailEvents follows a file as it grows, line by line, a torn last line
// waiting for its end, until run.finished.
func TestTailEvents(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	path := filepath.Join(dir, "events.jsonl")
	got := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- tailEvents(context.Background(), root, "events.jsonl", 1, func(n int, line []byte) error {
			got <- fmt.Sprintf("%d %s", n, line)
			return nil
		})
	}()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(`{"type":"run.started"}` + "\n" + `{"type":"stage.log","line":"a"}` + "\n" + `{"type":"stage.l`)
	if g := <-got; g != `2 {"type":"stage.log","line":"a"}` {
		t.Errorf("got %q", g)
	}
	f.WriteString(`og","line":"b"}` + "\n")
	if g := <-got; g != `3 {"type":"stage.log","line":"b"}` {
		t.Errorf("got %q", g)
	}
	f.WriteString(`{"type":"run.finished"}` + "\n")
	<-got
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
