# Arguments of the wrong type.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "hello" {
  command = "echo hello" # ERROR: Incorrect attribute value type
  env     = ["A=1"]      # ERROR: Incorrect attribute value type
}

stage "chroot" "root" {
  commands   = ["make"]
  privileged = "yes" # ERROR: Incorrect attribute value type
  executor   = "podman"
  image      = "fedora:41"
}

stage "guest-install" "install" {
  kickstart    = "a.ks"
  install_tree = "https://example.org/os/"
  cpus         = "four" # ERROR: Incorrect attribute value type
}
