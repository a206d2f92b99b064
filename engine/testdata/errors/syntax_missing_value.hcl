# An argument without a value.
build {
  name    = "img"
  version = # ERROR: Invalid expression
  arches  = ["x86_64"]
}
