// Package eval evaluates the parts of a recipe that are settled before any
// stage runs: variables (defaults, -var-file, -var), local values, the
// function table, the build block and executor blocks; what each stage
// block refers to (CheckStages, SortStages, UnknownOutputs), where it runs
// (Place: its meta-arguments and executor routing) and which local files it
// reads (LocalInputs). A Scope is what an expression sees for one
// architecture; the engine adds stage outputs when it evaluates a stage
// block, with placeholders at plan time and real paths at run time.
//
// It reports every problem as an hcl.Diagnostic with a range. A value whose
// error is already reported is marked (Failed), so that the expressions that
// use it are skipped instead of reported again.
//
// It knows the stage contract (engine/kind) but not the stage instances,
// their IDs or the run: those are the engine's (package engine).
package eval
