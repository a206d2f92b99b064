# A mistake that depends on the architecture is reported for each
# architecture it affects, once when they all get the same diagnostic.
locals {
  sizes = { x86_64 = "10" }
}

build {
  name    = "img"
  version = "1"
  arches  = ["x86_64", "aarch64", "ppc64le"]
}

stage "guest-install" "install" {
  kickstart    = "a.ks"
  install_tree = "https://example.org/${arch}/os/"
  disk_size    = local.sizes[arch] # ERROR: Invalid index
}

stage "guest-install" "install_uefi" {
  kickstart    = "a.ks"
  install_tree = "https://example.org/${arch}/os/"
  firmware     = arch == "x86_64" ? "bios" : "uefi " # ERROR: Invalid value for firmware
}

stage "exec" "arch_number" {
  command = ["echo", tonumber(arch)] # ERROR: Invalid function argument # ERROR: Invalid function argument # ERROR: Invalid function argument
}
