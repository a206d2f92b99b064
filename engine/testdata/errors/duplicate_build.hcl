# Two build blocks: a recipe is one build.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

build { # ERROR: Duplicate build block
  name    = "other"
  version = "2"
  arches  = ["aarch64"]
}
