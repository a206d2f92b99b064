package report

import (
	"fmt"
	"time"
)

// Graph is the stage graph laid out in layers by depth: a stage's layer is
// one more than the deepest of the stages it needs.
type Graph struct {
	Width, Height int
	Nodes         []GraphNode
	Edges         []GraphEdge
}

// GraphNode is one stage's box.
type GraphNode struct {
	X, Y, W, H int
	Label      string
	Status     string
	Anchor     string
}

// GraphEdge is a curve from a needed stage to the stage needing it.
type GraphEdge struct{ Path string }

const (
	nodeW, nodeH = 190, 34
	gapX, gapY   = 50, 14
	pad          = 10
	maxLabel     = 26
)

// Layout lays out a run's stages, in their graph order.
func Layout(stages []*Stage) *Graph {
	byKey := map[string]*Stage{}
	for _, s := range stages {
		byKey[s.Key()] = s
	}
	depth := map[*Stage]int{}
	var depthOf func(s *Stage, seen int) int
	depthOf = func(s *Stage, seen int) int {
		if d, ok := depth[s]; ok {
			return d
		}
		d := 0
		if seen < len(stages) { // a malformed record must not loop
			for _, k := range s.Needs {
				if n := byKey[k]; n != nil {
					d = max(d, depthOf(n, seen+1)+1)
				}
			}
		}
		depth[s] = d
		return d
	}
	rows := map[int]int{}
	pos := map[*Stage]GraphNode{}
	g := &Graph{}
	for _, s := range stages {
		d := depthOf(s, 0)
		r := rows[d]
		rows[d]++
		label := fmt.Sprintf("%s [%s]", s.Name, s.Arch)
		if len([]rune(label)) > maxLabel {
			label = string([]rune(label)[:maxLabel-1]) + "…"
		}
		n := GraphNode{X: pad + d*(nodeW+gapX), Y: pad + r*(nodeH+gapY), W: nodeW, H: nodeH, Label: label, Status: s.Status, Anchor: s.Anchor()}
		pos[s] = n
		g.Nodes = append(g.Nodes, n)
		g.Width = max(g.Width, n.X+nodeW+pad)
		g.Height = max(g.Height, n.Y+nodeH+pad)
	}
	for _, s := range stages {
		to := pos[s]
		for _, k := range s.Needs {
			n := byKey[k]
			if n == nil {
				continue
			}
			from := pos[n]
			x1, y1 := from.X+from.W, from.Y+from.H/2
			x2, y2 := to.X, to.Y+to.H/2
			g.Edges = append(g.Edges, GraphEdge{Path: fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, x1+gapX/2, y1, x2-gapX/2, y2, x2-4, y2)})
		}
	}
	return g
}

// TimelineRow is one stage's bar: where it starts and how wide it is, in
// percent of the run's span.
type TimelineRow struct {
	Stage       *Stage
	Left, Width float64
	Took        string // "" for a stage that did not run
}

// Timeline places each stage, in graph order, on the run's time axis.
func Timeline(r *Run, now time.Time) ([]TimelineRow, string) {
	start, end := r.Started, r.Finished
	if end.IsZero() {
		end = now
	}
	for _, s := range r.Stages {
		if start.IsZero() || (!s.Queued.IsZero() && s.Queued.Before(start)) {
			start = s.Queued
		}
		end = later(end, s.Ended)
	}
	span := end.Sub(start)
	if span <= 0 {
		span = time.Millisecond
	}
	pct := func(t time.Time) float64 { return 100 * float64(t.Sub(start)) / float64(span) }
	var rows []TimelineRow
	for _, s := range r.Stages {
		row := TimelineRow{Stage: s}
		from, to := s.Started, s.Ended
		if from.IsZero() {
			from = later(s.Queued, s.Ended)
		}
		if to.IsZero() {
			to = end
		}
		if !from.IsZero() {
			row.Left = pct(from)
			row.Width = max(pct(to)-row.Left, 0.4)
			row.Left = min(row.Left, 99.6)
		}
		if s.Status == "done" || s.Status == "failed" {
			row.Took = roundDuration(s.Duration)
		} else if s.Status == "running" {
			row.Took = roundDuration(now.Sub(s.Started)) + "…"
		}
		rows = append(rows, row)
	}
	return rows, roundDuration(span)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
