// Package kojifacts holds pure facts about Koji that more than one part of
// imgpipe needs: the image formats of `koji image-build --format`, the
// file names Koji gives image-build artifacts, Koji's canonical arch names
// (koji.canonArch) and their container (OCI) names, the distro forms Koji
// accepts and how it shortens a live ISO's volume ID.
//
// Every fact is a constant or a pure function; the package imports nothing
// of imgpipe's, so stages (convert, chroot, upload), the Koji presets and
// the exporters can share it without depending on one another. It does not
// read recipes or INI files, expand presets (stages/koji does) or export
// for Koji (internal/kojiexport does). docs/koji-migration.md says where
// imgpipe follows Koji and where it does not.
package kojifacts
