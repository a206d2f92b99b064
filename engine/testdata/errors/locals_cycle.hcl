# Local values that refer to each other.
locals {
  a = "${local.b}-a" # ERROR: Cycle in local values
  b = "${local.a}-b"
  c = local.a
}

# No further errors where the cycle's values are used.
build {
  name    = local.c
  version = "1"
  arches  = ["x86_64"]
}
