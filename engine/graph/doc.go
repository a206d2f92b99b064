// Package graph orders and walks directed acyclic graphs: a depth-first
// topological sort that reports every cycle, and a parallel walk that
// visits each node once all of its dependencies have been visited.
//
// It is generic over the node type and knows nothing of recipes, stages or
// stores; the engine builds its stage graph and its diagnostics on top of
// it.
package graph
