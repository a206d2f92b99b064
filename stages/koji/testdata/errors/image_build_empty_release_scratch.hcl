# A scratch build with release = "": builder/kojid BuildBaseImageTask.handler
# ("elif not release: release = self.session.getNextRelease(...)") numbers
# it, as imgpipe does, so there is nothing to warn about.
image_build "fedora-cloud" {
  version      = "41"
  release      = ""
  scratch      = true
  target       = "f41" # WARNING: Unused locally: target
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64"]
  distro       = "Fedora-41"
  kickstart    = "fedora-cloud.ks"
  repo         = ["https://example.org/41/Everything/$arch/os/"]
}
