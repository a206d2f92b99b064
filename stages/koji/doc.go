// Package koji holds the Koji presets: image_build, livemedia, appliance
// and livecd blocks, which mirror every option of `koji image-build`,
// `koji spin-livemedia`, `koji spin-appliance` and `koji spin-livecd`, check
// them as Koji does, and expand into a graph of stages (docs/koji-migration.md
// maps each option to what it becomes).
//
// It knows how Koji runs its tools in the build root (livemedia-creator's
// and appliance-creator's argv, the work directory, the ISO and appliance
// file names), and how ImageFactory and Oz read the base image's factory
// parameters (oz_overrides, generate_icicle), which image_build applies to
// its guest-install and boot-verify stages. Koji's pure facts (arch names, formats, image file names,
// distro forms, volume IDs), which stages share, are in internal/kojifacts. It does not read INI files
// (engine/legacyini does), does not export for Koji (internal/kojiexport
// does), and runs nothing itself: the stages it expands into do the work.
package koji
