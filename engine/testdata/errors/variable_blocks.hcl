# Mistakes in variable blocks.
variable "release" {
  default = "1"
}

variable "release" { # ERROR: Duplicate variable "release"
  default = "2"
}

variable "2nd" { # ERROR: Invalid variable name
}

variable "size" {
  type    = strng # ERROR: Invalid type specification
  defualt = 10    # ERROR: Unsupported argument
}

variable "label" {
  description = 42 # ERROR: Invalid variable description
}

variable "password" {
  sensitive = "yes" # ERROR: Invalid variable sensitive
}

variable { # ERROR: Missing name for variable
}

build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}
