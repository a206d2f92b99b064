# vagrantfile is a local file for vagrant boxes.
build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64"]
}

stage "convert" "unused" {
  disk        = "disk.raw"
  formats     = ["qcow2"]
  vagrantfile = "Vagrantfile" # WARNING: Vagrantfile unused
}

stage "convert" "missing" {
  disk        = "disk.raw"
  formats     = ["vagrant-libvirt"]
  vagrantfile = "no-such-Vagrantfile" # ERROR: Cannot read local input
}

stage "convert" "good" {
  disk        = "disk.raw"
  formats     = ["vagrant-libvirt"]
  vagrantfile = "Vagrantfile"
}
