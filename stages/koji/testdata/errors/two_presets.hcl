build { # ERROR: build block beside a preset
  name    = "x"
  version = "1"
  arches  = ["x86_64"]
}

appliance "one" {
  version   = "41"
  release   = "1"
  arches    = ["x86_64"]
  kickstart = "a.ks"
  repo_mode = "keep"
  target    = "t"  # WARNING: Unused locally: target
}

livecd "two" { # ERROR: More than one preset
  version = "1"
}
