# What the exec kind checks.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "empty" {
  command = [] # ERROR: Empty command
}

stage "exec" "outputs" {
  command = ["true"]
  outputs = ["out/disk.raw", "..", ""] # ERROR: Invalid output name # ERROR: Invalid output name # ERROR: Invalid output name
}

stage "exec" "twice" {
  command = ["true"]
  outputs = ["disk.raw", "disk.raw"] # ERROR: Duplicate output name
}

stage "exec" "env" {
  command = ["true"]
  env     = { PATH = "/opt/bin", IMGPIPE_OUT = "/tmp" } # ERROR: Reserved environment variable # ERROR: Reserved environment variable
}
