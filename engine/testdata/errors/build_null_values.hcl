# Null where the build needs a value.
build {
  name     = null                # ERROR: Missing build.name
  version  = "1"
  arches   = ["x86_64", null]    # ERROR: Null in build.arches
  can_fail = null
}
