# A pool of builders: arm1 and arm2 both serve aarch64 (docs/remote-builders.md#builder-pools).
build {
  name    = "pooled"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

executor "podman" "arm1" {
  connection = "ssh://builder@arm1/run/podman/podman.sock"
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
  jobs       = 2
}

executor "podman" "arm2" {
  connection = "ssh://builder@arm2/run/podman/podman.sock"
  arches     = ["aarch64"]
  image      = "localhost/builder:1"
}

# Routed to the pool on aarch64; on the host on x86_64.
stage "exec" "build" {
  command = ["true"]
}

# Names one builder of the pool: it runs there only.
stage "exec" "pinned" {
  executor = "arm2"
  command  = ["true"]
}
