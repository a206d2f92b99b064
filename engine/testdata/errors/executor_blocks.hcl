# Mistakes in the structure of executor blocks: found while parsing.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

executor "podmn" "arm" { # ERROR: Unknown executor type
  connection = "ssh://builder@arm-host/run/podman/podman.sock"
}

executor "podman" "ppc" {
  connection = "ssh://builder@ppc-host/run/podman/podman.sock"
  arches     = ["ppc64le"]
  identiy    = "keys/ppc" # ERROR: Unsupported argument
}

executor "podman" "ppc" { # ERROR: Duplicate executor "ppc"
  connection = "ssh://builder@other-host/run/podman/podman.sock"
}

executor "podman" "podman" { # ERROR: Reserved executor name
  connection = "unix:///run/podman/podman.sock"
}

executor "podman" "9lives" { # ERROR: Invalid executor name
}

executor "podman" { # ERROR: Missing name for executor
}

stage "exec" "a" {
  command = ["true"]
}
