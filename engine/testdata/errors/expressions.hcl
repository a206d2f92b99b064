# Expressions that fail to evaluate.
locals {
  arches = ["x86_64", "aarch64"]
  sizes  = { x86_64 = "10", aarch64 = "12" }
}

build {
  name    = "img"
  version = "1"
  arches  = local.arches
}

stage "exec" "a" {
  command = ["echo", local.arches[2]] # ERROR: Invalid index
}

stage "exec" "b" {
  command = ["echo", local.sizes["ppc64le"]] # ERROR: Invalid index
}

stage "exec" "c" {
  command = ["echo", "arches: ${local.arches}"] # ERROR: Invalid template interpolation value
}

stage "exec" "d" {
  command = ["echo", 1 + "one"] # ERROR: Invalid operand
}
