livemedia "Fedora-Workstation-Live" {
  version   = "41"
  target    = "f41"                                   # WARNING: Unused locally: target
  arches    = ["x86_64"]
  kickstart = "fedora-live-workstation.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
  volid     = "Fedora-Workstation-Live-x86_64-41-1.4" # ERROR: Volume ID too long
  lorax_url = "git+https://example.org/lorax.git#abc" # ERROR: lorax_url needs lorax_dir
}
