package convert

import (
	"slices"
	"strings"
	"testing"
)

func TestArgv(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []string
		want string
	}{
		{"qcow", qcowArgs("/d/disk", "/o/I.qcow"), "qemu-img convert -f raw -O qcow -c /d/disk /o/I.qcow"},
		{"qcow2 koji", qcow2Args("/d/disk", "/o/I.qcow2", "0.10", true), "qemu-img convert -f raw -O qcow2 -c -o compat=0.10 /d/disk /o/I.qcow2"},
		{"qcow2 v3", qcow2Args("/d/disk", "/o/I.qcow2", "1.1", true), "qemu-img convert -f raw -O qcow2 -c -o compat=1.1 /d/disk /o/I.qcow2"},
		{"qcow2 rhevm", qcow2Args("/d/disk", "/t/box.img", "0.10", false), "qemu-img convert -f raw -O qcow2 -o compat=0.10 /d/disk /t/box.img"},
		{"vmdk", vmdkArgs("/d/disk", "/o/I.vmdk", false), "qemu-img convert -f raw -O vmdk /d/disk /o/I.vmdk"},
		{"vmdk streaming", vmdkArgs("/d/disk", "/t/disk.vmdk", true), "qemu-img convert -f raw -O vmdk -o adapter_type=lsilogic,subformat=streamOptimized,compat6 /d/disk /t/disk.vmdk"},
		{"vdi", vdiArgs("/d/disk", "/o/I.vdi"), "qemu-img convert -f raw -O vdi /d/disk /o/I.vdi"},
		{"vpc", vpcArgs("/d/disk", "/o/I.vhd"), "qemu-img convert -f raw -O vpc -o force_size=on /d/disk /o/I.vhd"},
		{"vhdx", vhdxArgs("/d/disk", "/o/I.vhdx"), "qemu-img convert -f raw -O vhdx /d/disk /o/I.vhdx"},
		{"cp", cpArgs("/d/disk", "/o/I.raw"), "cp --sparse=always --reflink=auto -- /d/disk /o/I.raw"},
		{"xz file", xzArgs("/d/disk"), "xz -z6T0 --stdout -- /d/disk"},
		{"xz stdin", xzArgs(""), "xz -z6T0 --stdout"},
		{"gzip", gzipArgs(), "gzip -n --stdout"},
		{"tar-gz", tarGzArgs("/o/I.tar.gz", "/t"), "tar -S -h -c -z -f /o/I.tar.gz --format=gnu --owner=0 --group=0 --numeric-owner --mtime=@0 -C /t disk.raw"},
		{"unsquashfs", unsquashfsListArgs("/o/I.liveimg.squashfs"), "unsquashfs -lln /o/I.liveimg.squashfs"},
	} {
		if got := strings.Join(c.got, " "); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestMksquashfsArgs(t *testing.T) {
	got := mksquashfsArgs("/t/squashfs-root", "/o/I.liveimg.squashfs", "/store/it's a disk", 1048576, 66060288)
	want := []string{"mksquashfs", "/t/squashfs-root", "/o/I.liveimg.squashfs", "-comp", "xz", "-noappend", "-no-progress",
		"-all-root", "-root-mode", "0755", "-mkfs-time", "0", "-all-time", "0",
		"-p", "LiveOS d 755 0 0",
		"-p", `LiveOS/rootfs.img f 644 0 0 dd if='/store/it'\''s a disk' bs=1M iflag=skip_bytes,count_bytes skip=1048576 count=66060288 status=none`}
	if !slices.Equal(got, want) {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
}

func TestListedSize(t *testing.T) {
	list := `drwxr-xr-x 0/0                29 1970-01-01 00:00 squashfs-root
drwxr-xr-x 0/0                33 1970-01-01 00:00 squashfs-root/LiveOS
-rw-r--r-- 0/0          66060288 1970-01-01 00:00 squashfs-root/LiveOS/rootfs.img
`
	if n, err := listedSize(list, liveImgRoot); err != nil || n != 66060288 {
		t.Errorf("listedSize = %d, %v", n, err)
	}
	if _, err := listedSize("drwxr-xr-x 0/0 29 1970-01-01 00:00 squashfs-root\n", liveImgRoot); err == nil {
		t.Error("no error for a missing file")
	}
}
