# Defaults that do not match the declared type, or cannot be evaluated.
variable "size" {
  type    = number
  default = "ten" # ERROR: Invalid value for variable
}

variable "arches" {
  type    = list(string)
  default = "x86_64" # ERROR: Invalid value for variable
}

variable "name" {
  default = upper("img") # ERROR: Function calls not allowed
}

variable "release" {
  default = var.name # ERROR: Variables not allowed
}

# No further errors where the broken variables are used.
build {
  name    = var.name
  version = "${var.size}"
  release = var.release
  arches  = var.arches
}
