livecd "Fedora-Live" { # WARNING: livecd is built as livemedia
  version   = "41"
  release   = "1"
  target    = "f41"     # WARNING: Unused locally: target
  arches    = ["x86_64"]
  kickstart = "live.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
}
