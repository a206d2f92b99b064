# Stage kinds that do not exist.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetchks" "ks" { # ERROR: Unknown stage kind
  url = "ks/"
}

stage "shell" "hello" { # ERROR: Unknown stage kind
  command = ["echo", "hello"]
}

# A stage that uses one of them is not reported again.
stage "flatten" "flat" {
  source = stage.ks.kickstart
}
