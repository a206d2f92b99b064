# An empty list of architectures.
build {
  name    = "img"
  version = "1"
  arches  = [] # ERROR: No architectures
}
