# Every declared stage kind, in the shape of docs/architecture.md#presets: a Koji-style image
# build for two architectures, plus exec and chroot steps around it.
variable "release" {
  type    = string
  default = null # derived at publish time
}

variable "formats" {
  type    = list(string)
  default = ["qcow2", "vsphere-ova"]
}

variable "disk_gib" {
  type    = number
  default = 10
}

locals {
  mirror       = "https://example.org/pub/fedora/linux/releases/41"
  install_tree = "${local.mirror}/Cloud/${arch}/os/"
  repos        = [format("%s/Everything/%s/os/", local.mirror, arch)]
}

build {
  name     = "fedora-cloud-base"
  version  = "41"
  release  = var.release
  arches   = ["x86_64", "aarch64"]
  can_fail = ["aarch64"]
}

# Arch-independent: one instance for both arches.
stage "fetch-ks" "ks" {
  url  = "git+https://pagure.io/fedora-kickstarts.git?#b4956c05028a088c641d0ce6e1a31b6d8b20176f"
  file = "fedora-cloud-base.ks"
}

# No arch in its configuration either: one instance.
stage "flatten" "kickstart" {
  source    = stage.ks.kickstart
  repo_mode = "keep"
}

# Koji's rewrite with per-arch repos: one instance per arch.
stage "flatten" "kickstart_arch" {
  source       = stage.ks.kickstart
  repos        = local.repos
  repo_mode    = "override"
  install_tree = local.install_tree
}

stage "guest-install" "install" {
  kickstart    = stage.kickstart_arch.kickstart
  install_tree = local.install_tree
  disk_size    = tostring(var.disk_gib)
  firmware     = arch == "aarch64" ? "uefi" : "bios"
}

stage "boot-verify" "verify" {
  disk    = stage.install.disk
  mode    = "firmware"
  success = ["login:"]
  timeout = "10m"
}

stage "convert" "images" {
  disk    = stage.install.disk
  formats = var.formats
  ova     = { vsphere_ova_format = "vsphere" }
}

# Reads a map output, so part of its configuration is known only at run
# time; its declared outputs are still known to the stages after it.
stage "exec" "sums" {
  command = ["sh", "-c", "sha256sum \"$1\" > \"$IMGPIPE_OUT/SHA256SUMS\"", "sh", stage.images.artifacts["qcow2"]]
  outputs = ["SHA256SUMS"]
}

stage "exec" "notes" {
  command = ["cp", "files/motd", "notes.txt"]
  inputs  = ["files/motd"]
  outputs = ["notes.txt"]
}

stage "chroot" "extras" {
  commands   = ["make -C /src"]
  packages   = ["make", "gcc"]
  network    = "host"
  privileged = true
  executor   = "podman"
  image      = "registry.fedoraproject.org/fedora:41"
  outputs    = ["extras.tar"]
}

stage "mock" "srpm" {
  commands = ["rpmbuild -bs /src/x.spec"]
  executor = "podman"
  image    = "registry.fedoraproject.org/fedora:41"
}

stage "upload" "publish" {
  artifacts  = merge(stage.images.artifacts, { notes = stage.notes["notes.txt"] })
  packages   = stage.verify.packages
  kickstarts = [stage.kickstart_arch.kickstart]
  logs       = [stage.sums.SHA256SUMS, stage.extras.dir]
  depends_on = [stage.srpm]
}
