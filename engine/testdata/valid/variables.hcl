# Variables of several types, set by defaults, a -var-file and -var.
variable "name" {
  type        = string
  description = "The image name."
  default     = "base"
}

variable "release" {
  type = string # required: the test sets it with -var
}

variable "arches" {
  type    = list(string)
  default = ["x86_64"]
}

variable "scratch" {
  type    = bool
  default = false
}

variable "sizes" {
  type    = map(number)
  default = { x86_64 = 8, aarch64 = 8 }
}

variable "extra_env" {
  default = { LANG = "C" } # untyped: any value
}

locals {
  full_name = "${var.name}-${local.flavor}"
  flavor    = upper(substr(var.name, 0, 1))
  size      = lookup(var.sizes, arch, 4)
  tag       = join("-", [local.full_name, arch, local.size])
}

build {
  name    = local.full_name
  version = "1"
  release = var.release
  arches  = var.arches
  scratch = var.scratch
}

stage "exec" "image" {
  command = ["truncate", "-s", "${local.size}G", "disk.raw"]
  env     = merge(var.extra_env, { TAG = local.tag })
  outputs = ["disk.raw"]
}

stage "exec" "compress" {
  command = ["xz", "-k", stage.image["disk.raw"]]
  outputs = ["disk.raw.xz"]
}
