# A longer cycle, closed by depends_on.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetch-ks" "ks" {
  url        = "git+https://example.org/ks.git#main"
  file       = "a.ks"
  depends_on = [stage.publish]
}

# The reference that closes the cycle when the stages are walked in order.
stage "flatten" "flat" {
  source = stage.ks.kickstart # ERROR: Cycle between stages "flat" and "ks"
}

stage "guest-install" "install" {
  kickstart    = stage.flat.kickstart
  install_tree = "https://example.org/os/"
}

stage "convert" "images" {
  disk    = stage.install.disk
  formats = ["qcow2"]
}

stage "upload" "publish" {
  artifacts = stage.images.artifacts
}
