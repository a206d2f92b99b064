# VirtualBox boxes are for x86 guests only, as in ImageFactory
# (imagefactory_plugins/ovfcommon/ovfcommon.py
# VirtualBoxOVFDescriptor.generate_ovf_xml); without can_fail the build
# cannot succeed in Koji.
build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64", "aarch64"]
}

stage "convert" "images" {
  disk    = "disk.raw"
  formats = ["qcow2", "vagrant-virtualbox"] # ERROR: Format not available for aarch64
}
