// Command gen writes docs/reference.md, the recipe reference, from the
// stage kinds and presets imgpipe registers. `go tool task generate` runs
// it from the repository root:
//
//	go run ./internal/docgen/gen -o docs/reference.md
package main
