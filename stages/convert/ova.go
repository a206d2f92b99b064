package convert

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// The OVA and vagrant formats, as Koji's _buildOVA makes them: a target
// image (ImageFactory's rhevm, vsphere or hyperv plugin: a disk in qcow2,
// VMDK or VHD) packed by the OVA plugin into one of ovfcommon's packages.

// target is the ImageFactory target a format's disk comes from.
func target(format string) string {
	switch format {
	case "rhevm-ova", "vagrant-libvirt":
		return "rhevm"
	case "vsphere-ova", "vagrant-virtualbox", "vagrant-vmware-fusion":
		return "vsphere"
	}
	return "hyperv"
}

// packageKind is the ovfcommon package class OVA.generate_ova picks.
func packageKind(format string, p params) string {
	switch target(format) {
	case "rhevm":
		return p.get("rhevm_ova_format", "rhevm")
	case "vsphere":
		return p.get("vsphere_ova_format", "vsphere")
	}
	return "hyperv"
}

// member is one file of a package: data, or the file at path, streamed.
type member struct {
	name string
	data []byte
	path string
}

func buildOVA(ctx context.Context, j *job, f *fmtRun) (string, error) {
	switch kind := packageKind(f.name, f.params); kind {
	case "rhevm":
		return j.rhevPackage(ctx, f)
	case "vagrant-libvirt":
		return j.libvirtBox(ctx, f)
	case "vsphere":
		return j.vspherePackage(ctx, f)
	case "vagrant-virtualbox":
		return j.virtualBoxBox(ctx, f)
	case "vagrant-vmware-fusion":
		return j.fusionBox(ctx, f)
	case "hyperv":
		return j.hypervBox(ctx, f)
	default:
		return "", fmt.Errorf("unknown package %q (Validate should have refused it)", kind)
	}
}

// ovfName is the VM name in descriptors and file names: ovf_name, or the
// image's N-V-R.arch as OVA.generate_ova injects it.
func (j *job) ovfName(f *fmtRun) string { return f.params.get("ovf_name", j.base) }

// vagrantfile is the recipe's Vagrantfile, or ImageFactory's.
func (j *job) vagrantfile(generated string) []byte {
	if j.vfile != nil {
		return j.vfile
	}
	return []byte(generated)
}

// convertDisk makes the target image's disk in the private directory.
func (j *job) convertDisk(ctx context.Context, f *fmtRun, name string, args func(src, dst string) []string) (string, error) {
	dst := filepath.Join(f.tmp, name)
	return dst, j.exec(ctx, f, args(j.disk, dst), cmd{inputs: []string{j.disk}})
}

// vmdk makes the vSphere target's VMDK: streamOptimized unless
// vsphere_vmdk_format is "standard".
func (j *job) vmdk(ctx context.Context, f *fmtRun, name string) (string, bool, error) {
	stream := f.params.get("vsphere_vmdk_format", "streaming") != "standard"
	p, err := j.convertDisk(ctx, f, name, func(src, dst string) []string { return vmdkArgs(src, dst, stream) })
	return p, stream, err
}

// qcow2 is the rhevm target's disk: ImageFactory's rhevm_image_format,
// qcow2 at the recipe's compat level, not compressed.
func (j *job) qcow2(ctx context.Context, f *fmtRun, name string) (string, error) {
	return j.convertDisk(ctx, f, name, func(src, dst string) []string {
		return qcow2Args(src, dst, j.cfg.QCOW2Compat, false)
	})
}

func (j *job) rhevPackage(ctx context.Context, f *fmtRun) (string, error) {
	disk, err := j.qcow2(ctx, f, "disk.qcow2")
	if err != nil {
		return "", err
	}
	img, vol, tpl := nameUUID(j.s.ID, f.name, "image"), nameUUID(j.s.ID, f.name, "volume"), nameUUID(j.s.ID, f.name, "template")
	d := rhevOVF{
		Name:        j.ovfName(f),
		ImageUUID:   img,
		VolumeUUID:  vol,
		TemplateID:  tpl,
		SnapshotID:  nameUUID(j.s.ID, f.name, "snapshot"),
		VolSize:     j.size,
		VolSizeGiB:  (j.size + 1<<30 - 1) / (1 << 30),
		Created:     rhevDate(epoch),
		CPUs:        f.params.number("ovf_cpu_count", 1),
		MemoryMB:    f.params.number("ovf_memory_mb", 512),
		Description: f.params.get("rhevm_description", "Created by Image Factory"),
		Display:     f.params.get("rhevm_default_display_type", "0"),
		OS:          f.params.get("rhevm_os_descriptor", "OtherLinux"),
	}
	volume := "images/" + img + "/" + vol
	members := []member{
		{name: "master/vms/" + tpl + "/" + tpl + ".ovf", data: render(rhevOVFTemplate, d)},
		{name: volume + ".meta", data: rhevMeta(img, j.size)},
		{name: volume, path: disk},
	}
	return volume, j.pack(ctx, f, true, members)
}

func (j *job) libvirtBox(ctx context.Context, f *fmtRun) (string, error) {
	disk, err := j.qcow2(ctx, f, "box.img")
	if err != nil {
		return "", err
	}
	sync := f.params.get("vagrant_sync_directory", "/vagrant")
	members := []member{
		{name: "metadata.json", data: boxMetadata{Provider: "libvirt", Format: "qcow2", VirtualSize: libvirtBoxSize(j.size)}.bytes()},
		{name: "Vagrantfile", data: j.vagrantfile(fmt.Sprintf(libvirtVagrantfile, sync))},
		{name: "box.img", path: disk},
	}
	return "box.img", j.pack(ctx, f, true, members)
}

func (j *job) vspherePackage(ctx context.Context, f *fmtRun) (string, error) {
	disk, stream, err := j.vmdk(ctx, f, "disk.vmdk")
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(disk)
	if err != nil {
		return "", err
	}
	populated := fi.Size()
	if st, ok := statBlocks(fi); ok {
		populated = st
	}
	d := vsphereOVF{
		Name:        j.ovfName(f),
		FileSize:    fi.Size(),
		Capacity:    j.size,
		Populated:   populated,
		StreamOpt:   stream,
		CPUs:        f.params.number("ovf_cpu_count", 2),
		MemoryMB:    f.params.number("ovf_memory_mb", 4096),
		ProductName: f.params.get("vsphere_product_name", "Product Name"),
		Vendor:      f.params.get("vsphere_product_vendor_name", "Vendor Name"),
		Version:     f.params.get("vsphere_product_version", "1.0"),
		SystemType:  f.params.get("vsphere_virtual_system_type", "vmx-07 vmx-08"),
		NestedVirt:  f.params.boolean("vsphere_nested_virt", false),
		OSType:      f.params.get("vsphere_os_type", "rhel6_64Guest"),
		CDROM:       f.params.boolean("vsphere_cdrom", false),
		SCSI:        f.params.get("vsphere_scsi_controller_type", "lsilogic"),
		Network:     f.params.get("vsphere_network_controller_type", "E1000"),
	}
	ovf := render(vsphereOVFTemplate, d)
	// The manifest goes second, so the VMDK's digest is needed before the
	// VMDK is packed: it is read twice rather than kept in memory.
	sum, err := fileSHA256(ctx, disk)
	if err != nil {
		return "", err
	}
	ovfSum := sha256.Sum256(ovf)
	members := []member{
		{name: "desc.ovf", data: ovf},
		{name: "desc.mf", data: ovaManifest([]string{"desc.ovf", "disk.vmdk"}, []string{hex.EncodeToString(ovfSum[:]), sum})},
		{name: "disk.vmdk", path: disk},
	}
	return "disk.vmdk", j.pack(ctx, f, false, members)
}

func (j *job) virtualBoxBox(ctx context.Context, f *fmtRun) (string, error) {
	osID, osType, err := virtualBoxOS(j.s.Arch)
	if err != nil {
		return "", err
	}
	name := strings.ReplaceAll(j.ovfName(f), " ", "_")
	diskName := name + ".vmdk"
	disk, stream, err := j.vmdk(ctx, f, diskName)
	if err != nil {
		return "", err
	}
	mac := virtualBoxMAC(j.s.ID)
	d := virtualBoxOVF{
		Name:     name,
		DiskFile: diskName,
		Capacity: j.size,
		Stream:   stream,
		CPUs:     f.params.number("ovf_cpu_count", 1),
		MemoryMB: f.params.number("ovf_memory_mb", 512),
		OSID:     osID,
		OSType:   osType,
		DiskUUID: nameUUID(j.s.ID, f.name, "disk"),
		MAC:      mac,
	}
	sync := f.params.get("vagrant_sync_directory", "/vagrant")
	members := []member{
		{name: "box.ovf", data: render(virtualBoxOVFTemplate, d)},
		{name: "metadata.json", data: boxMetadata{Provider: "virtualbox"}.bytes()},
		{name: "Vagrantfile", data: j.vagrantfile(fmt.Sprintf(virtualBoxVagrantfile, mac, sync))},
		{name: diskName, path: disk},
	}
	// The streamOptimized VMDK is compressed already: ImageFactory does
	// not gzip this box.
	return diskName, j.pack(ctx, f, false, members)
}

func (j *job) fusionBox(ctx context.Context, f *fmtRun) (string, error) {
	name := j.ovfName(f)
	diskName := name + "-disk1.vmdk"
	disk, _, err := j.vmdk(ctx, f, diskName)
	if err != nil {
		return "", err
	}
	vmx := fusionVMX{
		Name:       name,
		CPUs:       f.params.number("ovf_cpu_count", 1),
		MemoryMB:   f.params.number("ovf_memory_mb", 1024),
		SCSI:       f.params.get("fusion_scsi_controller_type", "lsilogic"),
		Network:    f.params.get("fusion_network_controller_type", "e1000"),
		NestedVirt: f.params.boolean("fusion_nested_virt", false),
	}
	sync := f.params.get("vagrant_sync_directory", "/vagrant")
	members := []member{
		{name: "metadata.json", data: boxMetadata{Provider: "vmware_desktop"}.bytes()},
		{name: "Vagrantfile", data: j.vagrantfile(fmt.Sprintf(fusionVagrantfile, sync))},
		{name: name + ".vmx", data: render(fusionVMXTemplate, vmx)},
		{name: name + ".vmxf", data: []byte{}},
		{name: diskName, path: disk},
	}
	return diskName, j.pack(ctx, f, true, members)
}

func (j *job) hypervBox(ctx context.Context, f *fmtRun) (string, error) {
	disk, err := j.convertDisk(ctx, f, "disk.vhd", vpcArgs)
	if err != nil {
		return "", err
	}
	x := hypervXML{
		Name:     j.ovfName(f),
		CPUs:     f.params.number("ovf_cpu_count", 1),
		MemoryMB: f.params.number("ovf_memory_mb", 1024),
		Created:  windowsTicks(epoch),
		ID:       strings.ToUpper(nameUUID(j.s.ID, f.name, "vm")),
	}
	var members []member
	// hyperv_vagrant = false gives a bare Hyper-V export, without the
	// vagrant files, as in ImageFactory.
	vagrant := f.params.boolean("hyperv_vagrant", true)
	if vagrant {
		sync := f.params.get("vagrant_sync_directory", "/vagrant")
		members = append(members,
			member{name: "metadata.json", data: boxMetadata{Provider: "hyperv"}.bytes()},
			member{name: "Vagrantfile", data: j.vagrantfile(fmt.Sprintf(hypervVagrantfile, sync))})
	}
	members = append(members,
		member{name: "Virtual Machines/vm.XML", data: utf16CRLF(string(render(hypervXMLTemplate, x)))},
		member{name: "Virtual Hard Disks/disk.vhd", path: disk})
	return "Virtual Hard Disks/disk.vhd", j.pack(ctx, f, true, members)
}

// pack writes the members into f.out as a tar archive, gzipped or not,
// streaming the files: no copy of a disk is made on the way.
func (j *job) pack(ctx context.Context, f *fmtRun, gzip bool, members []member) error {
	var inputs []string
	for _, m := range members {
		if m.path != "" {
			inputs = append(inputs, m.path)
		}
	}
	if gzip {
		return j.filter(ctx, f, gzipArgs(), f.out, inputs, func(w io.Writer) error { return writeMembers(ctx, w, members) })
	}
	out, err := os.Create(f.out)
	if err != nil {
		return err
	}
	if err := writeMembers(ctx, out, members); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// writeMembers writes a tar archive of the members, in order, owned by
// root, dated epoch.
func writeMembers(ctx context.Context, w io.Writer, members []member) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 1<<20)
	for _, m := range members {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: m.name, Mode: 0o644, ModTime: epoch, Uname: "root", Gname: "root"}
		var r io.Reader
		if m.path != "" {
			file, err := os.Open(m.path)
			if err != nil {
				return err
			}
			defer file.Close()
			fi, err := file.Stat()
			if err != nil {
				return err
			}
			hdr.Size, r = fi.Size(), ctxReader{ctx, file}
		} else {
			hdr.Size, r = int64(len(m.data)), strings.NewReader(string(m.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if _, err := io.CopyBuffer(tw, r, buf); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return tw.Close()
}

// ctxReader stops reading once ctx is done, so a long copy is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// statBlocks is the space a file takes on disk (ImageFactory's
// populatedSize: st_blocks * 512).
func statBlocks(fi os.FileInfo) (int64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Blocks * 512, true
}

// fileSHA256 is the hex SHA-256 of a file.
func fileSHA256(ctx context.Context, path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, file}, make([]byte, 1<<20)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
