image_build "fedora-cloud" { # ERROR: No repo
  version      = "41"
  target       = "f41-candidate" # WARNING: Unused locally: target
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64"]
  distro       = "Fedora-41"
  format       = []              # ERROR: No format
  kickstart    = "fedora-cloud.ks"
  ksurl        = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
}
