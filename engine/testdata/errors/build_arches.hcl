# Architectures must be distinct names; a can_fail arch that is not built
# has no effect (a warning).
build {
  name    = "img"
  version = "1"
  arches = [
    "x86_64",
    "aarch64",
    "x86_64",  # ERROR: Duplicate architecture
    "ppc 64le", # ERROR: Invalid architecture
  ]
  can_fail = ["aarch64", "s390"] # WARNING: can_fail names an architecture that is not built
}
