image_build "fedora-cloud" {
  version      = "41"
  target       = "f41-candidate"    # WARNING: Unused locally: target
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64"]
  distro       = "Fedora-41"
  kickstart    = "cloud/fedora.ks"  # WARNING: Kickstart directory dropped
  ksurl        = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
  repo_mode    = "keep"
}

stage "exec" "kickstart" { # ERROR: Stage name "kickstart" is taken by the preset
  command = ["true"]
}
