# A build root in a container: the chroot stage (alias mock) starts from an
# image, installs packages with the image's own package manager (dnf, yum,
# microdnf, apt-get, zypper or apk), runs setup commands, and keeps the
# result as a local image (localhost/imgpipe-buildroot:<key>), so the next
# run with the same image, packages and setup starts at once. Then its
# commands run in a fresh container of that build root.
#
#   imgpipe run examples/chroot/chroot.hcl
#
# Needs a podman service: $CONTAINER_HOST or the default socket
# (`systemctl enable --now podman.socket`); `imgpipe doctor` checks it. The
# image must be in the service's storage or pullable from its registry.

build {
  name    = "chroot-iso"
  version = "1"
  arches  = ["x86_64"]
}

# The file to put on the ISO; any stage output or local file will do.
stage "exec" "readme" {
  command = ["sh", "-c", "echo 'made in a build root' >\"$IMGPIPE_OUT/README\""]
  outputs = ["README"]
}

stage "chroot" "iso" {
  image    = "docker.io/library/debian:bookworm"
  packages = ["xorriso"]
  # The stage's own network setting ("none") applies to commands only;
  # installing packages always has the host's network.
  commands = [
    "mkdir -p /tmp/iso && cp ${stage.readme.README} /tmp/iso/",
    "xorriso -as mkisofs -V CHROOT_ISO -o \"$IMGPIPE_OUT/chroot.iso\" /tmp/iso",
  ]
  outputs = ["chroot.iso"]
}

stage "upload" "publish" {
  artifacts = { iso = stage.iso["chroot.iso"] }
}
