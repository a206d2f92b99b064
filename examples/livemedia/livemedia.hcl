# A `koji spin-livemedia` as an imgpipe recipe: a Fedora Workstation live ISO
# for x86_64 and aarch64, made by livemedia-creator in a build-root container.
#
#   imgpipe validate examples/livemedia/livemedia.hcl
#   imgpipe plan     examples/livemedia/livemedia.hcl   # the expanded stages
#
# The livemedia block takes every option of `koji spin-livemedia` under its
# dest names (--install-tree-url is install_tree_url, --can-fail is
# can_fail, ...); name is the block's label. imgpipe expands it into:
#
#   fetch-ks "ks" → flatten "kickstart" → chroot "livemedia" → upload "publish"
#
# where the chroot stage runs Koji's exact livemedia-creator command line,
# once per architecture, in a podman container made from buildroot_image.
# docs/koji-migration.md maps each Koji option to what it does here.

variable "fedora" {
  description = "The Fedora release to build."
  default     = "41"
}

variable "mirror" {
  default = "https://dl.fedoraproject.org/pub/fedora/linux/releases"
}

livemedia "Fedora-Workstation-Live" {
  version = var.fedora
  # Without release the run picks the next one, as Koji's hub does, and the
  # ISO and its volume ID are named after it in the build root.
  release = "1"
  target  = "f${var.fedora}" # kept for export-koji; unused locally

  arches   = ["x86_64", "aarch64"]
  can_fail = ["aarch64"]

  # The kickstart inside the pinned checkout. Unlike image_build, livemedia
  # keeps the directory part of kickstart, as Koji does.
  ksurl     = "git+https://pagure.io/fedora-kickstarts.git?#b4956c05028a088c641d0ce6e1a31b6d8b20176f"
  kickstart = "fedora-live-workstation.ks"

  # The kickstart's url command. Koji does not substitute $arch for
  # livemedia and neither does imgpipe: write ${arch} for the architecture.
  install_tree_url = "${var.mirror}/${var.fedora}/Everything/${arch}/os/"
  # The repos replace the kickstart's own (repo_mode = "override", Koji's
  # rule). $basearch is left for dnf, as Koji leaves it.
  repo = [
    "${var.mirror}/${var.fedora}/Everything/$basearch/os/",
  ]

  # volid is unset: it is derived from name, version and release as Koji's
  # _shortenVolID does (Workstation → WS, ...; at most 32 characters).

  # Your own lorax templates (livemedia-creator --lorax-templates): the
  # checkout of lorax_url, and lorax_dir inside it. A full commit pins it; a
  # branch would be resolved to its current commit at every run.
  lorax_url = "git+https://git.example.org/release-eng/lorax-templates.git?#7d5c2a1f0e9b8c3d4a6e5f7081920a3b4c5d6e7f"
  lorax_dir = "live"

  # Each item becomes one --compress-arg of livemedia-creator.
  compress_arg = ["-b 1M", "-Xdict-size 1M"]

  # The container image the build root is made from (Koji: a mock chroot
  # from the build tag with the livemedia-build group).
  buildroot_image = "registry.fedoraproject.org/fedora:${var.fedora}"
}
