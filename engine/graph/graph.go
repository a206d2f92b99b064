package graph

import (
	"slices"
	"sync"
)

// Sort returns nodes in an order where each comes after its dependencies.
// It visits nodes depth first in the order given, and each node's
// dependencies in the order deps returns them, so that independent nodes
// keep their order: a recipe's stages stay in the order they are written
// where the graph allows.
//
// Every back edge closes a cycle; Sort calls onCycle with its path, which
// starts and ends with the node reached again (a node that depends on
// itself gives [n, n]), and leaves the edge out. A node that deps reports
// but nodes does not hold is ignored.
func Sort[N comparable](nodes []N, deps func(N) []N, onCycle func(cycle []N)) []N {
	const (
		unvisited = iota
		visiting
		done
	)
	known := make(map[N]bool, len(nodes))
	for _, n := range nodes {
		known[n] = true
	}
	state := make(map[N]int, len(nodes))
	order := make([]N, 0, len(nodes))
	var path []N
	var visit func(n N)
	visit = func(n N) {
		switch state[n] {
		case done:
			return
		case visiting:
			i := slices.Index(path, n)
			onCycle(append(slices.Clone(path[i:]), n))
			return
		}
		state[n] = visiting
		path = append(path, n)
		for _, d := range deps(n) {
			if known[d] {
				visit(d)
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		order = append(order, n)
	}
	for _, n := range nodes {
		visit(n)
	}
	return order
}

// Walk calls visit once for every node, each in its own goroutine, as soon
// as visit has returned for all of the node's dependencies, and returns
// when every call has returned. Bounding how many visits work at once is
// the caller's: a visit that finds its work done need not wait for a slot.
// The graph must be acyclic and deps must name only nodes of nodes.
func Walk[N comparable](nodes []N, deps func(N) []N, visit func(N)) {
	done := make(map[N]chan struct{}, len(nodes))
	for _, n := range nodes {
		done[n] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[n])
			for _, d := range deps(n) {
				<-done[d]
			}
			visit(n)
		}()
	}
	wg.Wait()
}
