# Values that come from other stages are unknown when planning: they are
# checked when known. Nothing here is wrong.
variable "formats" {
  default = ["qcow2", "docker"]
}

build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64", "aarch64"]
}

stage "exec" "disk" {
  command = ["truncate", "-s", "64M", "disk.raw"]
  outputs = ["disk.raw", "factory.json"]
}

stage "convert" "images" {
  disk    = stage.disk["disk.raw"]
  formats = var.formats
  factory = { tag = "${arch}", comment = stage.disk["factory.json"] }
  ova     = { ovf_name = "${arch}-box" }
}
