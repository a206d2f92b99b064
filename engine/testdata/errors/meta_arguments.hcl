# Mistakes in the meta-arguments every stage takes.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "a" {
  command  = ["true"]
  executor = "podmn" # ERROR: Unknown executor
}

stage "exec" "b" {
  command = ["true"]
  image   = "fedora:41" # ERROR: Image without a container executor
}

stage "exec" "c" {
  command = ["true"]
  timeout = "5 minutes" # ERROR: Invalid timeout
}

stage "exec" "d" {
  command = ["true"]
  timeout = "-1m" # ERROR: Invalid timeout
}

stage "exec" "e" {
  command  = ["true"]
  executor = ["podman"] # ERROR: Invalid executor
  image    = "fedora:41"
}

stage "exec" "f" {
  command  = ["true"]
  executor = "podman"
  image    = null # ERROR: Invalid image
}
