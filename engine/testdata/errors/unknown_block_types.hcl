# Misspelt block types get a suggestion.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

variabel "release" { # ERROR: Unsupported block type
  default = "1"
}

local { # ERROR: Unsupported block type
  suffix = "x"
}

stages "exec" "hello" { # ERROR: Unsupported block type
  command = ["echo", "hello"]
}

executors "podman" "arm" { # ERROR: Unsupported block type
  connection = "ssh://builder@arm-host/run/podman/podman.sock"
}
