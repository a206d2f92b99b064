// Package flatten is the flatten stage kind (DESIGN §3).
//
// Flatten a kickstart with pykickstart's semantics and apply Koji's rewrite.
// Only its declaration exists so far: recipes using it validate and plan.
package flatten
