# Executor blocks and routing: aarch64 and s390x go to their blocks, x86_64
# stays on the host; fetch-ks, flatten and upload stay local everywhere.
variable "arm" {
  default = "ssh://builder@arm-host/run/podman/podman.sock"
}

build {
  name    = "routed"
  version = "1"
  arches  = ["x86_64", "aarch64", "s390x"]
}

executor "podman" "arm" {
  connection = var.arm
  identity   = "keys/arm"
  arches     = ["aarch64"]
  image      = "localhost/builder:arm"
}

executor "podman" "z" {
  connection = "tcp://z-host:8888"
  arches     = ["s390x"]
  image      = "localhost/builder:z"
}

# No executor on the stage: no local default (podman) connection either.
executor "podman" "other" {
  image = "localhost/other:1"
}

stage "fetch-ks" "ks" {
  url = "files/motd"
}

stage "flatten" "kickstart" {
  source    = stage.ks.kickstart
  repo_mode = "keep"
  lint      = "off"
}

# Routed where its arch is, in the block's image.
stage "exec" "build" {
  command = ["sh", "-c", "cp \"$0\" \"$IMGPIPE_OUT/out\"", stage.kickstart.kickstart]
  outputs = ["out"]
}

# Routed too, in its own image; on x86_64 it runs on the host, without one.
stage "exec" "own_image" {
  command = ["true"]
  image   = "localhost/mine:1"
}

# Named executors win over routing.
stage "exec" "on_host" {
  command  = ["true"]
  executor = "host"
}

stage "exec" "on_other" {
  command  = ["true"]
  executor = "other"
}

stage "exec" "on_podman" {
  command  = ["true"]
  executor = "podman"
  image    = "localhost/builder:local"
}

stage "upload" "publish" {
  artifacts = { out = stage.build.out }
}
