// Package kind is the contract between the engine and a stage kind: what a
// kind declares (Kind: its attributes, outputs, flags, Validate, Resolve and
// Run; Define, which checks the declaration against the kind's Go
// configuration struct when the kind is registered), what its Run is given
// (Stage) and must return (Outputs, checked by CheckOutputs and kept in the
// object's result.json by EncodeOutputs), and the Preset types the Koji
// presets implement. docs/architecture.md#the-stage-contract says what a
// Run may rely on and must do.
//
// Stage packages (stages/<kind>) import this package, not the engine. It
// plans and runs nothing: the engine does (package engine).
package kind
