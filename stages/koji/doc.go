// Package koji holds the Koji presets: image_build, livemedia, appliance
// and livecd blocks, which mirror every option of `koji image-build`,
// `koji spin-livemedia`, `koji spin-appliance` and `koji spin-livecd`, check
// them as Koji does, and expand into the stage graph of docs/architecture.md#presets.
//
// It knows Koji's rules (arch names, distro forms, volume IDs, file names);
// it does not read INI files (engine/legacyini does) and runs nothing
// itself: the stages it expands into do the work.
package koji
