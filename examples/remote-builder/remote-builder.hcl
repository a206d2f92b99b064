# One recipe, two machines: x86_64 builds here, aarch64 on a native arm64
# builder that runs a podman service, reached over ssh.
#
#   imgpipe plan examples/remote-builder/remote-builder.hcl   # shows where each stage runs
#   imgpipe run  examples/remote-builder/remote-builder.hcl -var arm_builder=ssh://me@my-arm-box/run/podman/podman.sock
#
# On the builder: `podman system service --time=0 unix:///run/podman/podman.sock`
# (or the podman.socket systemd unit), and this machine's key in the builder
# user's authorized_keys. The builder needs the image below in its storage or
# a registry it can pull from. No shared file system: imgpipe copies each
# stage's inputs into its container and its outputs back into the local store.

variable "arm_builder" {
  default     = "ssh://builder@arm-builder.example.org/run/podman/podman.sock"
  description = "The arm64 builder's podman service."
}

build {
  name    = "remote-builder"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

# Every stage of an arch listed in `arches` that names no executor runs on
# this service, in `image` unless the stage sets its own. fetch-ks, flatten
# and upload always run here: they read sources and write the local store.
executor "podman" "arm64" {
  connection = var.arm_builder
  identity   = "keys/arm-builder" # relative to this file; unset: $CONTAINER_SSHKEY or ssh-agent
  arches     = ["aarch64"]
  image      = "registry.fedoraproject.org/fedora:41"
}

# On x86_64 this runs on the host; on aarch64 in a container on the builder.
# The stage ID names the image's ID (not its tag), so a new image under the
# same tag rebuilds it.
stage "exec" "release_file" {
  env = { ARCH = arch }
  command = ["sh", "-euc", <<-EOT
    { echo "ARCH=$ARCH"; echo "MACHINE=$(uname -m)"; } >"$IMGPIPE_OUT/release"
    EOT
  ]
  outputs = ["release"]
}

# Published into the local store for both arches.
stage "upload" "publish" {
  artifacts = { release = stage.release_file.release }
}
