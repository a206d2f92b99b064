# Mistakes in executor blocks' values and in the stages routed to them.
variable "arm_host" {
  default = "arm-host"
}

build {
  name    = "img"
  version = "1"
  arches  = ["x86_64", "aarch64", "s390x", "ppc64le"]
}

executor "podman" "arm" {
  connection = "ssh://builder@${var.arm_host}/run/podman/podman.sock"
  identity   = "keys/arm" # relative to the recipe's directory
  arches     = ["aarch64", "aarch64"] # ERROR: Architecture listed twice
}

executor "podman" "http" {
  connection = "http://arm-host:8080" # ERROR: Invalid connection
}

executor "podman" "nohost" {
  connection = "ssh:///run/podman/podman.sock" # ERROR: Invalid connection
}

executor "podman" "local" {
  connection = "unix:///run/podman/podman.sock"
  identity   = "keys/local" # ERROR: Identity without an ssh connection
  arches     = ["s390x"]
  image      = "localhost/builder:1"
}

executor "podman" "typo" {
  arches = ["ppc64el"] # WARNING: Executor arch not built
  image  = ["localhost/builder:1"] # ERROR: Invalid image
}

executor "podman" "byarch" {
  connection = "unix:///run/${arch}.sock" # ERROR: connection depends on arch
}

stage "exec" "a" {
  command = ["true"]
}
