# A variable without a default must be set with -var or -var-file.
variable "release" { # ERROR: No value for required variable
  type = string
}

variable "arches" { # ERROR: No value for required variable
  type        = list(string)
  description = "Architectures to build."
}

build {
  name    = "img"
  version = "1"
  release = var.release
  arches  = var.arches
}
