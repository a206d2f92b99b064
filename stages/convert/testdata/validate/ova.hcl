# ova options: unknown keys are warnings; values ImageFactory cannot use are
# errors; the options Koji fixes for a vagrant format are ignored for it.
build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64"]
}

stage "convert" "images" {
  disk    = "disk.raw"
  formats = ["vsphere-ova", "rhevm-ova"]
  ova = { ovf_memmory_mb = "1024", ovf_cpu_count = "two", vsphere_nested_virt = "perhaps", vsphere_vmdk_format = "stream", ovf_name = "a/b" } # WARNING: Unknown ova option # ERROR: Invalid ova option # ERROR: Invalid ova option # ERROR: Invalid ova option # ERROR: Invalid ova option
}

stage "convert" "fixed" {
  disk    = "disk.raw"
  formats = ["vagrant-vmware-fusion", "vsphere-ova"]
  ova     = { vsphere_vmdk_format = "streaming", vsphere_ova_format = "vagrant-vmware-fusion" } # WARNING: Option ignored for vagrant-vmware-fusion
}

stage "convert" "good" {
  disk    = "disk.raw"
  formats = ["rhevm-ova", "vsphere-ova", "vagrant-hyperv"]
  ova = {
    ovf_name                        = "My Image"
    ovf_cpu_count                   = "2"
    ovf_memory_mb                   = "2048"
    rhevm_description               = "An image"
    rhevm_default_display_type      = "1"
    rhevm_os_descriptor             = "Fedora-22"
    vsphere_product_name            = "Product"
    vsphere_product_vendor_name     = "Vendor"
    vsphere_product_version         = "2.0"
    vsphere_virtual_system_type     = "vmx-10"
    vsphere_nested_virt             = "True"
    vsphere_cdrom                   = "no"
    vsphere_os_type                 = "fedora64Guest"
    vsphere_scsi_controller_type    = "VirtualSCSI"
    vsphere_network_controller_type = "VmxNet3"
    fusion_scsi_controller_type     = "lsilogic"
    fusion_network_controller_type  = "e1000"
    fusion_nested_virt              = "false"
    vagrant_sync_directory          = "/srv"
    hyperv_vagrant                  = "0"
    rhevm_ova_format                = "vagrant-libvirt"
    vsphere_ova_format              = "vagrant-virtualbox"
    hyperv_ova_format               = "hyperv-vagrant"
    vsphere_vmdk_format             = "standard"
  }
}
