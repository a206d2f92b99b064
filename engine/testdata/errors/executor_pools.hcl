# Mistakes in builder pools: executor blocks that serve the same arch
# (docs/remote-builders.md#builder-pools).
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

executor "podman" "arm1" {
  connection = "ssh://builder@arm1/run/podman/podman.sock"
  arches     = ["aarch64", "x86_64"]
  image      = "localhost/builder:1"
  jobs       = 0 # ERROR: Invalid jobs
}

executor "podman" "arm2" {
  connection = "ssh://builder@arm2/run/podman/podman.sock"
  arches     = ["aarch64", "x86_64"]
  image      = "localhost/builder:2" # ERROR: Pool images differ
  jobs       = 1.5 # ERROR: Invalid jobs
}

executor "podman" "arm3" {
  connection = "ssh://builder@arm1/run/podman/podman.sock" # ERROR: Builder listed twice
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
  jobs       = "many" # ERROR: Invalid jobs
}

stage "exec" "a" {
  command = ["true"]
}
