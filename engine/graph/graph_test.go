package graph_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/imgpipe/imgpipe/engine/graph"
)

func edges(m map[string][]string) func(string) []string {
	return func(n string) []string { return m[n] }
}

func TestSortKeepsOrderOfIndependentNodes(t *testing.T) {
	deps := edges(map[string][]string{"b": {"d"}, "c": {"a"}})
	var cycles [][]string
	got := graph.Sort([]string{"a", "b", "c", "d"}, deps, func(c []string) { cycles = append(cycles, c) })
	want := []string{"a", "d", "b", "c"}
	if !slices.Equal(got, want) || cycles != nil {
		t.Errorf("Sort = %v, cycles %v; want %v, none", got, cycles, want)
	}
}

func TestSortReportsEachCycle(t *testing.T) {
	deps := edges(map[string][]string{
		"a": {"b"}, "b": {"c"}, "c": {"a"}, // a cycle of three
		"s": {"s"},     // a node that depends on itself
		"x": {"ghost"}, // a dependency that is not a node: ignored
	})
	var cycles [][]string
	got := graph.Sort([]string{"a", "b", "c", "s", "x"}, deps, func(c []string) { cycles = append(cycles, c) })
	want := [][]string{{"a", "b", "c", "a"}, {"s", "s"}}
	if !slices.EqualFunc(cycles, want, slices.Equal) {
		t.Errorf("cycles = %v, want %v", cycles, want)
	}
	if len(got) != 5 {
		t.Errorf("Sort = %v, want every node once", got)
	}
}

func TestWalkVisitsAfterDependencies(t *testing.T) {
	deps := edges(map[string][]string{"b": {"a"}, "c": {"a", "b"}, "d": {"c"}})
	var mu sync.Mutex
	var order []string
	graph.Walk([]string{"d", "c", "b", "a", "e"}, deps, func(n string) {
		mu.Lock()
		defer mu.Unlock()
		for _, d := range deps(n) {
			if !slices.Contains(order, d) {
				t.Errorf("%s visited before its dependency %s", n, d)
			}
		}
		order = append(order, n)
	})
	if len(order) != 5 {
		t.Errorf("visited %v, want each of 5 nodes once", order)
	}
}
