// Package convert is the convert stage kind (DESIGN §3).
//
// Convert a raw disk into Koji's image formats.
// Only its declaration exists so far: recipes using it validate and plan.
package convert
