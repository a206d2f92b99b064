# A `koji image-build` as an imgpipe recipe: Fedora Cloud Base for x86_64 and
# aarch64, in qcow2, a vSphere OVA and a libvirt Vagrant box.
#
#   imgpipe validate examples/image-build/image-build.hcl
#   imgpipe plan     examples/image-build/image-build.hcl   # the expanded stages
#   imgpipe run      examples/image-build/image-build.hcl -var release=1
#
# The image_build block takes every option of `koji image-build` (and every
# key of its --config INI), under the INI's names: name is the block's label,
# the rest are attributes. imgpipe expands it into six stages, one chain per
# architecture (see `imgpipe plan`):
#
#   fetch-ks "ks" → flatten "kickstart" → guest-install "install"
#     → boot-verify "verify" → convert "images" → upload "publish"
#
# docs/koji-migration.md maps each Koji option to what it does here;
# docs/reference.md lists every attribute.

variable "fedora" {
  description = "The Fedora release to build."
  default     = "41"
}

variable "release" {
  description = "The build's release. null: the next free release in the store, as Koji picks it."
  default     = null
}

variable "mirror" {
  description = "Where the install tree and repos are; point it at a local mirror to save bandwidth."
  default     = "https://dl.fedoraproject.org/pub/fedora/linux/releases"
}

image_build "Fedora-Cloud-Base" {
  version = var.fedora
  release = var.release

  # Koji's build target: imgpipe has no hub, so it only keeps this for
  # `export-koji` (validate warns that it is unused locally).
  target = "f${var.fedora}-candidate"

  # Koji's literal $arch, as in a pasted Koji command line, is replaced by
  # each architecture in install_tree and repo, as Koji replaces it.
  install_tree = "${var.mirror}/${var.fedora}/Everything/$arch/os/"
  repo = [
    "${var.mirror}/${var.fedora}/Everything/$arch/os/",
  ]

  arches   = ["x86_64", "aarch64"]
  can_fail = ["aarch64"] # an aarch64 failure is reported, not fatal (Koji --can-fail)

  distro    = "Fedora-${var.fedora}" # parsed as Koji's parseDistro does
  disk_size = "5"                    # a bare number is GiB, as Oz reads it
  format    = ["qcow2", "vsphere-ova", "vagrant-libvirt"]

  # The kickstart, pinned to a commit of the Fedora kickstarts repository.
  # With ksurl, kickstart is a file at the top of the checkout (?subdir picks
  # a directory, as Koji's SCM URLs do).
  ksurl     = "git+https://pagure.io/fedora-kickstarts.git?#b4956c05028a088c641d0ce6e1a31b6d8b20176f"
  kickstart = "fedora-cloud-base.ks"
  ksversion = "DEVEL"

  # The [ova-options] section of Koji's INI: OVF settings for the *-ova and
  # vagrant-* formats.
  ova_options = {
    vsphere_product_name    = "Fedora Cloud Base"
    vsphere_product_version = var.fedora
    ovf_memory_mb           = "2048"
    ovf_cpu_count           = "2"
  }

  # The [factory-parameters] section: ImageFactory parameters, passed on
  # to the convert stage.
  factory_parameters = {
    generate_icicle = "true"
  }
}
