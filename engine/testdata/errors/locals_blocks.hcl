# Mistakes in locals blocks.
locals {
  suffix = "a"
}

locals {
  suffix = "b" # ERROR: Duplicate local value "suffix"
  nested { # ERROR: Unexpected "nested" block
  }
}

locals "named" { # ERROR: Extraneous label for locals
  x = 1
}

build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}
