# The build block takes no label.
build "img" { # ERROR: Extraneous label for build
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}
