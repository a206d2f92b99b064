// Package kojireplay turns a Koji image task into a pinned imgpipe recipe,
// as `imgpipe koji replay` does: it reads the task from a Koji hub (the
// parent `image`, `livemedia`, `appliance` or `livecd` task, walking up
// from a createImage, createLiveMedia, createAppliance or createLiveCD
// child), and writes the image_build, livemedia, appliance or livecd block
// that rebuilds it.
//
// What the recipe pins, and where each value comes from (Koji's
// cli/koji_cli/commands.py makes the requests, builder/kojid runs them):
//
//   - The options as the task's request carries them (the koji CLI's option
//     dests, which are the presets' attribute names): version, target,
//     arches, can_fail (Koji's optional_arches, a list or, from the command
//     line, a comma string), formats, disk size, distro, kickstart,
//     ksversion, repos, OVA options and factory parameters, scratch, ...
//   - The release the children were given: the task's own, or the one the
//     hub picked (a scratch livemedia or appliance has none: left unset;
//     kojid's livecd asks getNextRelease even for a scratch build).
//   - The ksurl's commit: a ksurl pinned to a full commit is kept; one on a
//     branch or tag is pinned to the commit the builders checked out, read
//     from the children's checkout log ("HEAD is now at <commit>", git's
//     abbreviated form, which fetch-ks expands).
//   - Without --repo (and without livemedia's --ksrepo), the build tag's
//     repository the children installed from: <topurl>/repos/<build
//     tag>/<repo ID>/<arch>, as kojid writes it into the kickstart ($arch
//     for image_build, which substitutes it as Koji's image-build does;
//     dnf's $basearch for livemedia, whose repo Koji substitutes nothing
//     in, so that the recipe still exports; the arch itself for appliance and livecd). A repo
//     Koji has since deleted, or no longer knows, is kept with a comment and
//     a warning; an expired one with a comment.
//
// What a laptop cannot reproduce (Koji-side configuration: the builders'
// kojid.conf and Oz/ImageFactory settings, a build root made from the build
// tag; a gone repository; an option no preset carries) is said in a comment
// of the recipe and returned as a warning.
//
// The recipe is written with hclwrite in the attribute order of
// engine/legacyini.Keys for image_build (the order `imgpipe upgrade`
// writes), so a replayed image task reads like an upgraded INI.
//
// It does not talk XML-RPC itself (a Caller does: internal/kojihub), plan or
// run the recipe (the command does), or check the options beyond what
// writing them needs: `imgpipe validate` does, with the presets' checks.
// docs/koji-replay.md describes replay for users.
package kojireplay
