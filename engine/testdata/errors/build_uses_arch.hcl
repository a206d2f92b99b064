# The build block describes every architecture at once.
locals {
  suffix = "-${arch}"
}

build {
  name    = "img-${arch}"        # ERROR: build.name depends on arch
  version = "1${local.suffix}"   # ERROR: build.version depends on arch
  arches  = ["x86_64", "aarch64"]
}
