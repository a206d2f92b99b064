# imgpipe quickstart: a kickstart install in a VM, proof that the disk
# boots, Koji's image formats, and a published build — for x86_64 and
# aarch64 at once, the way `koji image-build` works, on one machine.
#
#   go tool task quickstart
#
# That builds the hermetic install tree first (`go tool task fixtures`: a
# Debian kernel and a small installer, since no Fedora mirror is reachable
# here) and passes its path as -var tree=...; with a real tree, point `tree`
# at it (a directory or an http(s) URL with <arch>/ below it).
#
# The result is published into the store beside this file:
#   .imgpipe/builds/quickstart/1/<release>/images/  (qcow2, vSphere OVA, vagrant box)
# with SHA256SUMS and metadata.json (packages read from the booted disk).
# Run it again and every stage comes from the cache: the build is up to date.

variable "tree" {
  description = "The install tree, with one directory per architecture."
  default     = "tree"
}

build {
  name    = "quickstart"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

# The kickstart, fetched as a pinned tree (a local file here; Koji's SCM
# URLs such as git+https://host/repo.git?subdir#commit work the same way).
stage "fetch-ks" "ks" {
  url = "./quickstart.ks"
}

# Flattened as pykickstart (and so Koji) does; the kickstart's own repos
# are kept, since the installer reads the tree it boots from.
stage "flatten" "kickstart" {
  source    = stage.ks.kickstart
  repo_mode = "keep"
}

# The install: the tree's kernel and initrd with the kickstart appended,
# booted in QEMU (KVM when it works, else TCG) until the guest powers off.
stage "guest-install" "install" {
  kickstart          = stage.kickstart.kickstart
  install_tree       = "${var.tree}/${arch}"
  disk_size          = "256M"
  memory             = "512"
  install_timeout    = "20m"
  inactivity_timeout = "180s"
}

# Boot a throw-away overlay of the disk, wait for the login prompt and read
# the installed packages from the running system.
stage "boot-verify" "verify" {
  disk         = stage.install.disk
  install_tree = "${var.tree}/${arch}"
  memory       = "512"
  timeout      = "10m"
}

stage "convert" "images" {
  disk    = stage.install.disk
  formats = ["qcow2", "vsphere-ova", "vagrant-libvirt"]
  ova     = { vsphere_product_name = "imgpipe quickstart" }
  # Convert only what booted, as Koji does.
  depends_on = [stage.verify]
}

stage "upload" "publish" {
  artifacts  = stage.images.artifacts
  packages   = stage.verify.packages
  kickstarts = [stage.kickstart.original, stage.kickstart.kickstart]
  logs       = [stage.install.console, stage.verify.console]
  # Recorded in metadata.json: `imgpipe boot quickstart-1-1.x86_64` boots
  # the published image with this tree's kernel.
  install_tree = "${var.tree}/${arch}"
}
