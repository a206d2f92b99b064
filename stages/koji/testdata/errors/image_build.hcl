# A repeated format is made once (builder/kojid BaseImageTask._format_deps
# keys them in a dict): a warning.
image_build "fedora-cloud" {
  version      = "41-1"                                  # ERROR: Hyphen in version
  release      = "1-2"                                   # ERROR: Hyphen in release
  target       = "f41-candidate"                         # WARNING: Unused locally: target
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64", "i686"]                      # WARNING: Architecture renamed
  distro       = "RHEL-9"                                # ERROR: Invalid distro
  format       = ["qcow2", "qcow3", "qcow2"]             # ERROR: Unknown image format # WARNING: Duplicate image format
  disk_size    = "twenty"                                # ERROR: Invalid disk_size
  kickstart    = "fedora-cloud.ks"
  repo         = ["https://example.org/41/Everything/$arch/os/"]
  repo_mode    = "overide"                               # ERROR: Invalid value for repo_mode
  specfile     = "git+https://example.org/spec.git#abc"  # WARNING: Unused locally: specfile
  skip_tag     = true                                    # WARNING: Unused locally: skip_tag
  background   = false                                   # WARNING: Unused locally: background
  ova_options  = { ovf_memroy_mb = "4096" }
}
