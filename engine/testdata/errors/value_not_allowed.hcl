# Values outside an argument's allowed set.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "flatten" "flat" {
  source    = "a.ks"
  repo_mode = "overide" # ERROR: Invalid value for repo_mode
  lint      = "warning" # ERROR: Invalid value for lint
}

stage "guest-install" "install" {
  kickstart    = stage.flat.kickstart
  install_tree = "https://example.org/os/"
  accel        = "kv"  # ERROR: Invalid value for accel
  firmware     = "efi" # ERROR: Invalid value for firmware
}
