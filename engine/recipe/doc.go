// Package recipe reads an imgpipe recipe (HCL) into a typed, unevaluated
// Recipe: its variables, locals, build block, executor blocks and stage
// blocks, with the source range of every part.
//
// It checks structure only (block types, labels, meta-arguments, executor
// types and attributes, duplicate names) and returns every problem as an hcl.Diagnostic. It evaluates no
// expressions, knows no stage kind and runs nothing: the engine's planner
// does that. Koji's INI enters through engine/legacyini, which produces HCL.
//
// Before HCL's recursive parser sees a file, ReadFile and CheckNesting
// refuse what is over internal/inputlimit's bounds (1 MiB, nesting 256 deep,
// a heredoc of 2,000 lines or 256 KiB), so a hostile input fails fast
// instead of overflowing the stack (docs/reliability-recipe-limits.md).
package recipe
