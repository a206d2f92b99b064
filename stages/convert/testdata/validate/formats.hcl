# formats must be Koji's (or vhdx); a repeated one is made once.
build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64"]
}

stage "convert" "images" {
  disk    = "disk.raw"
  formats = ["qcow2", "qcow3", "vhdx", "qcow2"] # ERROR: Unknown format # WARNING: Duplicate format
}

stage "convert" "none" {
  disk    = "disk.raw"
  formats = [] # ERROR: No formats
}

stage "convert" "compat" {
  disk         = "disk.raw"
  formats      = ["qcow2"]
  qcow2_compat = "v3" # ERROR: Invalid value for qcow2_compat
}
