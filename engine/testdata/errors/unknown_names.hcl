# Names that are not in scope at all.
build {
  name    = "img"
  version = local.release
  arches  = ["x86_64"]
}

stage "exec" "hello" {
  command = ["echo", arc] # ERROR: Unknown variable
  env     = { RELEASE = vars.release } # ERROR: Unknown variable
}

locals {
  release = lower(relase) # ERROR: Unknown variable
}
