# References to variables and locals that are not declared.
variable "release" {
  default = "1"
}

locals {
  prefix = "img"
  name   = "${local.prefx}-base" # ERROR: Reference to undeclared local value
}

build {
  name    = local.name
  version = var.version # ERROR: Reference to undeclared variable
  release = var.relase  # ERROR: Reference to undeclared variable
  arches  = ["x86_64"]
}

stage "exec" "hello" {
  command = ["echo", var.greeting, local.suffix] # ERROR: Reference to undeclared variable # ERROR: Reference to undeclared local value
}
