package convert

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// Kind is the convert stage kind.
var Kind = kind.Define(kind.Kind{
	Name:    "convert",
	Summary: "Convert a raw disk into Koji's image formats.",
	Doc: `Converts disk, a raw disk image, into each of formats, with Koji's file names
(N-V-R.arch, then a suffix per format) and Koji's tools and options. Formats
convert two at a time; each command runs through the stage's executor.

- raw: the disk, copied (cp --sparse=always --reflink=auto). N-V-R.arch.raw.
- raw-xz: xz -z6T0 (Koji's xz_options) of the disk, streamed into N-V-R.arch.raw.xz without Koji's intermediate copy.
- qcow: qemu-img convert -c -O qcow. qemu-img 7.2 (Debian 12) cannot write a compressed qcow (it exits with status 1 and no message); then the qcow is written uncompressed, with a note in the log. N-V-R.arch.qcow.
- qcow2: qemu-img convert -O qcow2 -c -o compat=0.10 (qcow2_compat sets the level). N-V-R.arch.qcow2.
- vmdk, vdi: qemu-img convert -O vmdk (monolithicSparse) or -O vdi. N-V-R.arch.vmdk, .vdi.
- vpc: qemu-img convert -O vpc -o force_size=on, so the VHD has the disk's exact size (Koji's rounds it up). N-V-R.arch.vhd.
- vhdx (not in Koji): qemu-img convert -O vhdx. N-V-R.arch.vhdx.
- tar-gz: the disk as disk.raw in a sparse gzip tar (tar -Sczf, GCE's layout), owner and time fixed. N-V-R.arch.tar.gz.
- liveimg-squashfs: LiveOS/rootfs.img, the root file system, in an xz squashfs (mksquashfs -comp xz -noappend). Koji copies the disk from its second MiB on (dd skip=1, a hack that keeps every partition after the first and breaks with a separate /boot); convert takes exactly the partition that holds the root file system (see below), or the whole disk when it has no partition table. mksquashfs reads it from dd as a pseudo file: no copy on disk. N-V-R.arch.liveimg.squashfs.
- docker: a base image podman, docker and skopeo load: a docker-archive (manifest.json, the image configuration, repositories, and the layer directory with json, VERSION and layer.tar), xz-compressed. The layer is the root file system with owners, modes, times, links and device nodes, without ./etc/fstab (tar_excludes) and without extended attributes, as in Koji. convert reads the file system itself, without privileges (no loop device, mount or libguestfs): ext2, ext3 and ext4 only; another root file system (xfs, btrfs) fails the format. The layer is streamed into the archive twice, once for its digest and once for good, rather than copied. No libvirt XML, as in Koji. N-V-R.arch.tar.xz.
- rhevm-ova: an oVirt/RHEV export (master/vms/T/T.ovf first, images/I/V, a qcow2 at qcow2_compat, not compressed, and V.meta), gzipped. N-V-R.arch.rhevm.ova.
- vsphere-ova: desc.ovf, then the manifest desc.mf (SHA256 of each file), then disk.vmdk (streamOptimized, lsilogic), in a plain tar. N-V-R.arch.vsphere.ova.
- vagrant-libvirt: metadata.json (provider libvirt, format qcow2, virtual_size in GiB + 1 as in Koji), Vagrantfile, box.img (qcow2), gzipped. N-V-R.arch.vagrant-libvirt.box.
- vagrant-virtualbox: box.ovf, metadata.json, Vagrantfile (with base_mac), NAME.vmdk (streamOptimized), in a plain tar; x86 only. N-V-R.arch.vagrant-virtualbox.box.
- vagrant-vmware-fusion: metadata.json (vmware_desktop), Vagrantfile, NAME.vmx, an empty NAME.vmxf, NAME-disk1.vmdk (monolithicSparse), gzipped. N-V-R.arch.vagrant-vmware-fusion.box.
- vagrant-hyperv: metadata.json, Vagrantfile, "Virtual Machines/vm.XML" (UTF-16, what Vagrant's Hyper-V import reads), "Virtual Hard Disks/disk.vhd" (exact size), gzipped. N-V-R.arch.vagrant-hyperv.box.

Archives are written by imgpipe as a stream from the converted disk (gzip -n compresses them on the way), so a disk is never copied a second time. Every file in them is owned by root and dated 1970-01-01, and the UUIDs and the VirtualBox MAC address are derived from the stage ID: the same inputs give the same files (apart from what qemu-img itself puts in: the identifiers of VMDK, VDI and VHDX, the time stamp and identifier of VHD).

The root file system: the first ext2/3/4 partition, in table order, that has /etc (MBR with logical partitions, or GPT); otherwise the largest xfs or btrfs partition (which only liveimg-squashfs can use).

ova holds Koji's [ova-options], factory its [factory-parameters]; as in Koji, factory parameters override ova options of the same name, and the vagrant formats force their package kind (rhevm_ova_format, vsphere_ova_format, hyperv_ova_format, and vsphere_vmdk_format = standard for vagrant-vmware-fusion). Defaults are ImageFactory's, per package: ovf_name is N-V-R.arch; ovf_cpu_count 1 (vsphere-ova 2); ovf_memory_mb 512 (rhevm-ova, vagrant-virtualbox), 4096 (vsphere-ova) or 1024 (vmware-fusion, hyperv); rhevm_description "Created by Image Factory", rhevm_default_display_type 0, rhevm_os_descriptor OtherLinux; vsphere_product_name "Product Name", vsphere_product_vendor_name "Vendor Name", vsphere_product_version 1.0, vsphere_virtual_system_type "vmx-07 vmx-08", vsphere_os_type rhel6_64Guest, vsphere_scsi_controller_type lsilogic, vsphere_network_controller_type E1000, vsphere_nested_virt and vsphere_cdrom false; fusion_scsi_controller_type lsilogic, fusion_network_controller_type e1000, fusion_nested_virt false; vagrant_sync_directory /vagrant; hyperv_vagrant true; rhevm_ova_format rhevm (or vagrant-libvirt), vsphere_ova_format vsphere (or vagrant-virtualbox, vagrant-vmware-fusion), vsphere_vmdk_format streaming (or standard). Unlike ImageFactory, vsphere-ova names its virtual system ovf_name (ImageFactory: a random ID) and gives the VMDK's real size in the OVF's File element. Unknown ova keys are warnings.

The docker factory parameters: docker_cmd and docker_env (JSON lists of strings), docker_label (a JSON object), docker_set_arch_label, repository (default N-V-R.arch, lowercased), tag (latest), docker_image_id (64 hex digits; default the layer's digest), comment ("Created by Image Factory"), os (linux), tar_excludes (comma list of GNU tar patterns, default ./etc/fstab), create_docker_metadata (false: the layer's tar alone). dockerversion, compress (always xz) and tar_options are accepted and ignored with a warning. The image's architecture is the container one (amd64, arm64, ...). Unknown factory parameters are warnings.

vagrantfile, a local file, replaces ImageFactory's Vagrantfile in every vagrant box (its content is part of the stage ID). Write base_mac into it yourself for VirtualBox.

Beside each format but docker convert writes libvirt-FORMAT-ARCH.xml, Koji's libvirt domain, but pointing at the file it describes, with qemu's name for its disk format; for a file qemu cannot use as it is (raw-xz, tar-gz, the squashfs, the OVAs and boxes) a type-warning attribute says what to take out of it. The libvirt output maps each format to its XML.

The build's release must be known: a run without one fails before converting anything.`,
	Version: 1,
	PerArch: true,
	// File names and the build directory carry the release.
	UsesRelease: true,
	Attrs: []kind.Attr{
		{Name: "disk", Type: cty.String, Required: true, Doc: "The raw disk to convert."},
		{Name: "formats", Type: cty.List(cty.String), Required: true, Doc: "The formats to produce: raw, raw-xz, qcow, qcow2, vmdk, vdi, vpc, vhdx, tar-gz, liveimg-squashfs, docker, rhevm-ova, vsphere-ova, vagrant-libvirt, vagrant-virtualbox, vagrant-vmware-fusion, vagrant-hyperv."},
		{Name: "ova", Type: cty.Map(cty.String), Doc: "Koji's [ova-options]: settings of the OVA and vagrant packages, with ImageFactory's defaults."},
		{Name: "factory", Type: cty.Map(cty.String), Doc: "Koji's [factory-parameters]: the docker image's settings, and ova options that override ova."},
		{Name: "vagrantfile", Type: cty.String, LocalPaths: true, Doc: "A Vagrantfile, relative to the recipe, to put into the vagrant boxes instead of ImageFactory's."},
		{Name: "qcow2_compat", Type: cty.String, Default: cty.StringVal("0.10"), OneOf: []string{"0.10", "1.1"}, Doc: "The qcow2 compatibility level of qcow2, rhevm-ova and vagrant-libvirt: 0.10 (qcow2 version 2, Koji's) or 1.1 (version 3)."},
	},
	Outputs: []kind.Output{
		{Name: "artifacts", Type: cty.Map(cty.String), Path: true, Doc: "Each format's file, by format."},
		{Name: "libvirt", Type: cty.Map(cty.String), Path: true, Doc: "Each format's libvirt domain XML (libvirt-FORMAT-ARCH.xml), by format; docker has none."},
	},
	Validate: validate,
}, run)
