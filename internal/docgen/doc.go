// Package docgen writes docs/reference.md, the recipe reference, from the
// declarations of the stage kinds and presets: their attributes, outputs and
// Doc strings, and, for presets, the stages they really expand into.
//
// Reference is deterministic: the same declarations give the same bytes.
// internal/docgen/gen writes the file (`go tool task generate`), and the
// package's test fails when the committed file is stale.
package docgen
