# Build arguments of the wrong type or empty.
build {
  name     = ["img"] # ERROR: Invalid build.name
  version  = " "     # ERROR: Empty build.version
  release  = {}      # ERROR: Invalid build.release
  arches   = "x86_64" # ERROR: Invalid build.arches
  scratch  = "maybe" # ERROR: Invalid build.scratch
}
