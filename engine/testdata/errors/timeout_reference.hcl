# Meta-arguments may use variables, not values known only at run time.
variable "timeout" {
  default = "1h"
}

build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetch-ks" "ks" {
  url  = "git+https://example.org/ks.git#main"
  file = "a.ks"
}

stage "exec" "a" {
  command = ["true"]
  timeout = var.timeout
}

stage "convert" "images" {
  disk    = "disk.raw"
  formats = ["qcow2"]
}

stage "exec" "b" {
  command = ["true"]
  timeout = stage.images.artifacts["qcow2"] # ERROR: Invalid timeout
}
