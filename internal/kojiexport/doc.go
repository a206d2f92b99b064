// Package kojiexport writes a planned preset recipe back for a Koji build
// farm, as `imgpipe export-koji` does: an image_build block as the
// `koji image-build --config` INI (INI), a livemedia, appliance or livecd
// block as the `koji spin-*` command line (SpinCommand), and a warning when
// the koji CLI would upload a kickstart without the files it includes
// (CheckUpload). Export picks the right one for a plan, and refuses one
// that would hold a secret of the plan (Secrets,
// docs/reliability-secrets.md).
//
// It sits above the engine: it reads an evaluated engine.Plan, so values
// from variables, locals and per-arch expressions are the ones Koji gets.
// The INI's facts (sections, key order, required keys) come from
// engine/legacyini, which reads the INI and does not write it.
// docs/koji-migration.md ("Going back to Koji") describes the export for
// users.
//
// It does not plan a recipe, expand presets (stages/koji does) or talk to
// Koji.
package kojiexport
