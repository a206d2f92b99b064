# A hand-written image_build recipe for the export test: values from a
# variable and a local, ${arch} where Koji writes $arch, a literal % and
# booleans both ways.
variable "fedora" {
  default = "41"
}

locals {
  mirror = "https://mirror.example.org/pub/fedora/linux"
}

image_build "Fedora-Cloud-Base" {
  version      = var.fedora
  release      = "1.2"
  target       = "f${var.fedora}-candidate"
  install_tree = "${local.mirror}/releases/${var.fedora}/Everything/${arch}/os/"
  arches       = ["x86_64", "aarch64"]
  can_fail     = ["aarch64"]
  format       = ["qcow2", "vsphere-ova"]
  distro       = "Fedora-${var.fedora}"
  repo = [
    "${local.mirror}/releases/${var.fedora}/Everything/$arch/os/",
    "https://example.org/100%-signed/${arch}/",
  ]
  repo_mode   = "override"
  disk_size   = "5GiB"
  kickstart   = "fedora-cloud-base.ks"
  ksurl       = "git+https://pagure.io/fedora-kickstarts.git?#b4956c05028a088c641d0ce6e1a31b6d8b20176f"
  ksversion   = "DEVEL"
  scratch     = true
  skip_tag    = false
  noverifyssl = false

  ova_options = {
    vsphere_product_name = "Fedora Cloud Base ${var.fedora}"
    ovf_memory_mb        = "2048"
  }
  factory_parameters = {
    generate_icicle = "false"
  }
}
