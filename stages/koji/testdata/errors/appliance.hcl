appliance "fedora-appliance" {
  version   = "41"
  release   = "1"
  target    = "f41"                # WARNING: Unused locally: target
  arches    = ["x86_64", "aarch64"] # ERROR: One architecture
  can_fail  = ["aarch64"]          # ERROR: can_fail with one architecture
  kickstart = "appliance.ks"
  repo_mode = "keep"
  format    = "vmdk"               # ERROR: Invalid value for format
}
