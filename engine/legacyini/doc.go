// Package legacyini reads Koji's legacy `koji image-build --config` INI and
// upgrades it to an image_build block. It is the only code that reads the
// INI, and it holds the INI's facts (its sections, its keys and their order,
// the keys Koji requires) that internal/kojiexport writes it back with. It
// does not plan or export: it imports no engine, only engine/recipe.
// docs/koji-migration.md describes the INI for users.
//
// # Reading
//
// Convert (and Load, for a path) reads exactly what Koji reads: the
// [image-build], [ova-options] and [factory-parameters] sections of one
// file, or of every *.conf file of a directory in sorted order, later files
// overriding earlier keys. The grammar is Python's ConfigParser as Koji
// builds it: keys lowercased, section names case-sensitive, `#` and `;`
// comment lines only (a `#` inside a value is part of it), `=` or `:`
// between key and value, indented continuation lines, strict (a section or
// key twice in one file is an error), [DEFAULT] keys visible in every
// section, and BasicInterpolation: %(key)s expands, %% is a literal %, and
// any other % (a URL escape such as %20) is an error that says to write %%.
// Values come from gopkg.in/ini.v1, configured as close to ConfigParser as
// it goes; a small line scanner that follows ConfigParser's grammar finds
// every section, key and value's file:line:column (ini.v1 keeps none), and
// where ini.v1 reads a line differently (a value starting with a backtick or
// """, comment or blank lines inside a multi-line value) ConfigParser's
// reading wins, so the value is always Koji's. ini.v1 is quadratic in a
// section's keys, so a file of more than 1,000 keys is read by the scanner
// alone. Each file is at most 1 MiB, and interpolation makes at most 1 MiB
// of values in all (docs/reliability-recipe-limits.md).
//
// The result is one image_build block, written with hclwrite (formatted,
// deterministic), and a source map from every generated attribute, list
// item and map entry back to the INI. Result.Recipe parses the block and
// Result.Map re-points the planner's diagnostics, so every diagnostic, from
// reading or from planning (an invalid distro, an unknown format), names the
// INI file and line. A diagnostic about a list or map that names one of its
// items, quoted, points at that item.
//
// # Attribute order
//
// The block's label is name; the attributes follow Keys: version, release,
// target, install_tree, arches, can_fail, format, distro, repo, disk_size,
// ksversion, kickstart, ksurl, specfile, scratch, skip_tag, noverifyssl,
// background (the order of Koji's documented example, the keys it does not
// show placed by their kin), then ova_options = { ... } and
// factory_parameters = { ... } with the keys in the INI's order, then one
// comment per koji CLI option not carried. Lists are HCL lists; scratch,
// skip_tag, noverifyssl and background are booleans; everything else is a
// string. internal/kojiexport writes [image-build] in the same order.
//
// # Koji's quirks: what imgpipe does
//
// Where Koji is sloppy, imgpipe reads the intent and says so with a
// diagnostic whose subject is in the INI:
//
//   - Booleans: Koji takes any non-empty value as true. true, yes, on and 1
//     are true; an empty value is false (as for Koji); false, no, off and 0
//     are false with a warning ("False is true for Koji"); anything else is an
//     error that says Koji would have taken it as true.
//   - Comma lists (arches, can_fail, format, repo) are split as Koji splits
//     them, then trimmed with a warning (Koji keeps the whitespace, so
//     "x86_64, aarch64" is " aarch64" for it); empty items are dropped with a
//     warning; a required list with no item is an error.
//   - A hyphenated key whose underscore form is a key (disk-size, skip-tag,
//     install-tree, ...) is applied as that key with a warning: Koji ignores
//     it (or, for the positional keys, crashes). Both spellings at once are
//     an error.
//   - Any other unknown key in [image-build] is an error with a "did you
//     mean". Keys inherited from [DEFAULT] are exempt: they are values to
//     interpolate; the ones that are image-build keys apply.
//   - format or repo in [DEFAULT] is an error on that line: Koji splits the
//     list, then ConfigParser's items() sets [DEFAULT]'s value back as one
//     plain string (even over [image-build]'s own), and its builder fails
//     ("Invalid format: q"; a repository per character). An empty one is
//     Koji's empty list, applied with a warning: raw only, or no repo.
//   - [DEFAULT] keys leak into [ova-options] and [factory-parameters] in
//     Koji (ConfigParser's items()), so Koji would pass them as OVA options
//     and factory parameters. imgpipe passes only the keys written in those
//     sections and warns when [DEFAULT] has others.
//   - Koji reads name, version, target, install_tree, arches, repo, format
//     and can_fail one by one and removes each before reading the next, so a
//     later key cannot interpolate an earlier one. imgpipe expands such a
//     reference and warns that Koji cannot.
//   - optional_arches (Koji's dest for can_fail, which from the INI Koji sends
//     as a string and tests by substring) is read as can_fail, with a warning.
//   - wait and noprogress change only how the koji command behaves. They are
//     accepted with a warning, not carried into the recipe (it has no
//     attribute for them), and Upgrade leaves them as comments, so the
//     upgrade is never silently lossy. ova_option, factory_parameter and
//     config are errors that say what to write instead.
//   - target, skip_tag, specfile and background are carried; the preset
//     reports them as unused locally and export-koji writes them back.
//   - Arches are canonicalised, and kickstart keeps only its base name under
//     ksurl, by the image_build preset, whose warnings point at the INI.
//   - Sections other than the three are ignored, as Koji does, with a
//     warning; one whose name is close to a known one ([ova_options],
//     [Image-Build]) is an error with a "did you mean". No [image-build] at
//     all is an error ("single section called [image-build] is required").
//   - A missing required key (name, version, target, install_tree, arches,
//     distro, kickstart) is an error on the [image-build] header naming the
//     file and the section. Empty values of required keys are errors too.
//   - An [ova-options] value containing "=" makes Koji's builder fail; it is
//     used as written, with a warning.
package legacyini
