# A local value defined in terms of itself.
locals {
  version = "${local.version}.1" # ERROR: Cycle in local values
}

build {
  name    = "img"
  version = local.version
  arches  = ["x86_64"]
}
