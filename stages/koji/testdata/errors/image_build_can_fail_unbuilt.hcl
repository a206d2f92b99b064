# can_fail naming an arch that is not built: builder/kojid
# BuildBaseImageTask.handler (and BuildLiveMediaTask.handler) test only the
# arches they build ("if arch in opts.get('optional_arches', [])"), so Koji
# ignores s390x here; imgpipe too, with a warning in case it is a typo.
image_build "fedora-cloud" {
  version      = "41"
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64", "aarch64"]
  can_fail     = ["aarch64", "s390x"] # WARNING: can_fail names an architecture that is not built
  distro       = "Fedora-41"
  kickstart    = "fedora-cloud.ks"
  repo         = ["https://example.org/41/Everything/$arch/os/"]
}
