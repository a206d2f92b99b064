# release = "": koji/cli/commands.py _build_image_oz passes every non-None
# option, "" included; builder/kojid BuildBaseImageTask.handler hands it to
# initImageBuild, and kojihub get_next_build numbers only a None release
# ("if build_info.get('release') is not None: return new_build(...)"), so
# Koji makes the build fedora-cloud-41-. imgpipe numbers it: a warning.
image_build "fedora-cloud" {
  version      = "41"
  release      = "" # WARNING: Empty release
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64"]
  distro       = "Fedora-41"
  kickstart    = "fedora-cloud.ks"
  repo         = ["https://example.org/41/Everything/$arch/os/"]
}
