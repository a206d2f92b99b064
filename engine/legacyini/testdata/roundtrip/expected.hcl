image_build "Fedora-Cloud-Base" {
  version      = "41"
  release      = "1.2"
  target       = "f41-candidate"
  install_tree = "https://mirror.example.org/pub/fedora/linux/releases/41/Everything/$arch/os/"
  arches       = ["x86_64", "aarch64"]
  can_fail     = ["aarch64"]
  format       = ["qcow2", "raw-xz", "vagrant-libvirt"]
  distro       = "Fedora-41"
  repo         = ["https://mirror.example.org/pub/fedora/linux/releases/41/Everything/$arch/os/", "https://mirror.example.org/pub/fedora/linux/updates/41/Everything/$arch/"]
  disk_size    = "5GiB"
  ksversion    = "DEVEL"
  kickstart    = "fedora-cloud-base.ks"
  ksurl        = "git+https://pagure.io/fedora-kickstarts.git?#b4956c05028a088c641d0ce6e1a31b6d8b20176f"
  specfile     = "git+https://example.org/specs.git?fedora#0123456789abcdef0123456789abcdef01234567"
  scratch      = true
  skip_tag     = false
  background   = true

  ova_options = {
    vsphere_product_name   = "Fedora Cloud Base 41"
    ovf_memory_mb          = "2048"
    vagrant_sync_directory = "/home/vagrant/sync"
  }

  factory_parameters = {
    generate_icicle = "False"
    docker_cmd      = "[\"/bin/sh\", \"-c\", \"echo $${HOME} 100% ok\"]"
  }
}
