# Stages that name an executor, or are routed to one, and their images.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64", "aarch64", "s390x"]
}

executor "podman" "arm" {
  connection = "ssh://builder@arm-host/run/podman/podman.sock"
  identity   = "keys/arm" # relative to the recipe's directory
  arches     = ["aarch64"]
}

executor "podman" "s390" {
  connection = "ssh://builder@s390-host/run/podman/podman.sock"
  arches     = ["s390x"]
  image      = "localhost/builder:1"
}

# aarch64 is routed to "arm", which has no image.
stage "exec" "routed" { # ERROR: Missing image
  command = ["true"]
}

stage "exec" "named" {
  command  = ["true"]
  executor = "arn" # ERROR: Unknown executor
}

stage "exec" "noimage" {
  command  = ["true"]
  executor = "arm" # ERROR: Missing image
}

stage "exec" "podman" {
  command  = ["true"]
  executor = "podman" # ERROR: Missing image
}

stage "exec" "hosted" {
  command  = ["true"]
  executor = "host"
  image    = "localhost/builder:1" # ERROR: Image without a container executor
}

# Local kinds stay on this machine, wherever their arch goes: no image.
stage "fetch-ks" "ks" {
  url   = "https://example.org/a.ks"
  image = "localhost/builder:1" # ERROR: Image without a container executor
}

# Runs on the host for x86_64, in this image on aarch64 and in the block's on s390x.
stage "exec" "mixed" {
  command = ["true"]
  image   = "localhost/builder:2"
}
