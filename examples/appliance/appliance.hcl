# A `koji spin-appliance` as an imgpipe recipe: a small Fedora appliance disk
# for x86_64, made by appliance-creator in a build-root container.
#
#   imgpipe validate examples/appliance/appliance.hcl
#   imgpipe plan     examples/appliance/appliance.hcl   # the expanded stages
#
# The appliance block takes every option of `koji spin-appliance` (deprecated
# in Koji in favour of image-build) under its dest names; name is the block's
# label. imgpipe expands it into:
#
#   fetch-ks "ks" → flatten "kickstart" → chroot "appliance" → upload "publish"
#
# where the chroot stage runs Koji's exact appliance-creator command line in
# a podman container made from buildroot_image.

appliance "fedora-appliance" {
  version = "41"
  # Without release the run picks the next one, as Koji's hub does, and
  # appliance-creator names the image after it.
  release = "1"
  target  = "f41" # kept for export-koji; unused locally

  # One architecture, as Koji's single <arch> argument; no can_fail.
  arches = ["x86_64"]

  # A local kickstart, relative to this file. Its directory (ks/) is fetched
  # with it, so %include of a file beside it works; keep it in a directory of
  # its own, away from the recipe and the store. The kickstart must define a
  # / partition: appliance-creator makes the disk from its part lines.
  kickstart = "ks/fedora-appliance.ks"

  # Replace the kickstart's repos (Koji's rule; $basearch is left for dnf).
  repo = [
    "https://dl.fedoraproject.org/pub/fedora/linux/releases/41/Everything/$basearch/os/",
  ]

  format = "qcow2" # raw (Koji's default), qcow, qcow2 or vmx
  vmem   = "1024"  # appliance-creator --vmem, MiB
  vcpu   = "2"     # appliance-creator --vcpu

  buildroot_image = "registry.fedoraproject.org/fedora:41"
}
