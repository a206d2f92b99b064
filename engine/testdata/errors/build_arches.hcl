# Architectures must be distinct names; can_fail must name built ones.
build {
  name    = "img"
  version = "1"
  arches = [
    "x86_64",
    "aarch64",
    "x86_64",  # ERROR: Duplicate architecture
    "ppc 64le", # ERROR: Invalid architecture
  ]
  can_fail = ["aarch64", "s390"] # ERROR: can_fail names an architecture that is not built
}
