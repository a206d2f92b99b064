# VirtualBox boxes are for x86 guests only, as in ImageFactory.
build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64", "aarch64"]
}

stage "convert" "images" {
  disk    = "disk.raw"
  formats = ["qcow2", "vagrant-virtualbox"] # ERROR: Format not available for aarch64
}
