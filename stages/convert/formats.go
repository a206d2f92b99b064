package convert

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// formatSpec is how convert makes one format.
type formatSpec struct {
	// build writes f.out. For a file that is not a disk qemu can use as it
	// is, it returns what to take out of it ("disk.raw"), for the libvirt
	// XML's warning.
	build func(ctx context.Context, j *job, f *fmtRun) (inner string, err error)
	// driver is qemu's name for the format of the disk the file is or
	// holds, for the libvirt XML.
	driver string
}

// knownFormats are Koji's --format values in Koji's order, then vhdx.
var knownFormats = append(append([]string{}, kojifacts.Formats...), "vhdx")

var formatByName = map[string]formatSpec{
	"raw":                   {build: buildRaw, driver: "raw"},
	"raw-xz":                {build: buildRawXZ, driver: "raw"},
	"qcow":                  {build: buildQCOW, driver: "qcow"},
	"qcow2":                 {build: buildQCOW2, driver: "qcow2"},
	"vmdk":                  {build: qemuImg(func(src, dst string) []string { return vmdkArgs(src, dst, false) }), driver: "vmdk"},
	"vdi":                   {build: qemuImg(vdiArgs), driver: "vdi"},
	"vpc":                   {build: qemuImg(vpcArgs), driver: "vpc"},
	"vhdx":                  {build: qemuImg(vhdxArgs), driver: "vhdx"},
	"tar-gz":                {build: buildTarGZ, driver: "raw"},
	"liveimg-squashfs":      {build: buildSquashfs, driver: "raw"},
	"docker":                {build: buildDocker},
	"rhevm-ova":             {build: buildOVA, driver: "qcow2"},
	"vsphere-ova":           {build: buildOVA, driver: "vmdk"},
	"vagrant-libvirt":       {build: buildOVA, driver: "qcow2"},
	"vagrant-virtualbox":    {build: buildOVA, driver: "vmdk"},
	"vagrant-vmware-fusion": {build: buildOVA, driver: "vmdk"},
	"vagrant-hyperv":        {build: buildOVA, driver: "vpc"},
}

// buildRaw copies the disk: Koji's raw is the installed disk itself.
func buildRaw(ctx context.Context, j *job, f *fmtRun) (string, error) {
	return "", j.exec(ctx, f, cpArgs(j.disk, f.out), cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out)})
}

// buildRawXZ compresses the disk straight into I.raw.xz. Koji copies it to
// I.raw first and compresses that in place; xz's output is the same.
func buildRawXZ(ctx context.Context, j *job, f *fmtRun) (string, error) {
	out, err := os.Create(f.out)
	if err != nil {
		return "", err
	}
	err = j.exec(ctx, f, xzArgs(j.disk), cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out), stdout: out})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return "the raw disk (xz -d)", err
}

// qemuImg makes a format qemu-img writes directly.
func qemuImg(args func(src, dst string) []string) func(context.Context, *job, *fmtRun) (string, error) {
	return func(ctx context.Context, j *job, f *fmtRun) (string, error) {
		return "", j.exec(ctx, f, args(j.disk, f.out), cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out)})
	}
}

// buildQCOW is Koji's compressed qcow (version 1). qemu-img 7.2 (Debian 12)
// cannot write compressed qcow: it exits with status 1 and no message. Then
// the qcow is written uncompressed, with a note in the log; any other
// failure shows again there.
func buildQCOW(ctx context.Context, j *job, f *fmtRun) (string, error) {
	c := cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out)}
	err := j.exec(ctx, f, qcowArgs(j.disk, f.out), c)
	if _, ok := errors.AsType[*executor.ExitError](err); !ok || ctx.Err() != nil {
		return "", err
	}
	fmt.Fprintf(f.log, "qemu-img could not write a compressed qcow (%v); writing it uncompressed\n", err)
	if err := os.Remove(f.out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return "", j.exec(ctx, f, qemuImgConvert(j.disk, f.out, "qcow", false), c)
}

// buildQCOW2 is Koji's compressed qcow2, at the recipe's compat level.
func buildQCOW2(ctx context.Context, j *job, f *fmtRun) (string, error) {
	return "", j.exec(ctx, f, qcow2Args(j.disk, f.out, j.cfg.QCOW2Compat, true), cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out)})
}

// buildTarGZ archives the disk as disk.raw, sparse, through a symbolic link
// in the private directory rather than Koji's hard link (the store's disk
// may be on another file system).
func buildTarGZ(ctx context.Context, j *job, f *fmtRun) (string, error) {
	if err := os.Symlink(j.disk, filepath.Join(f.tmp, "disk.raw")); err != nil {
		return "", err
	}
	return "disk.raw", j.exec(ctx, f, tarGzArgs(f.out, f.tmp), cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out), dir: f.tmp})
}

// buildSquashfs puts the root file system's partition into
// LiveOS/rootfs.img of a squashfs, and checks it is all there: mksquashfs
// writes an empty file, and succeeds, when the command that feeds a pseudo
// file fails.
func buildSquashfs(ctx context.Context, j *job, f *fmtRun) (string, error) {
	root, err := j.rootPartition()
	if err != nil {
		return "", err
	}
	empty := filepath.Join(f.tmp, "squashfs-root")
	if err := os.Mkdir(empty, 0o755); err != nil {
		return "", err
	}
	argv := mksquashfsArgs(empty, f.out, j.disk, root.Start, root.Size)
	if err := j.exec(ctx, f, argv, cmd{inputs: []string{j.disk}, outDir: filepath.Dir(f.out)}); err != nil {
		return "", err
	}
	var list bytes.Buffer
	if err := j.exec(ctx, f, unsquashfsListArgs(f.out), cmd{inputs: []string{f.out}, stdout: &list}); err != nil {
		return "", err
	}
	size, err := listedSize(list.String(), liveImgRoot)
	if err != nil {
		return "", err
	}
	if size != root.Size {
		return "", fmt.Errorf("%s in the squashfs is %d bytes, the partition %d: reading the disk failed (see the log)", liveImgRoot, size, root.Size)
	}
	return liveImgRoot + " (a root file system, not a bootable disk)", nil
}

// listedSize finds a file's size in `unsquashfs -lln` output, whose lines
// are "-rw-r--r-- 0/0 66060288 1970-01-01 00:00 squashfs-root/LiveOS/rootfs.img".
func listedSize(list, name string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && strings.HasSuffix(fields[len(fields)-1], "/"+name) {
			return strconv.ParseInt(fields[2], 10, 64)
		}
	}
	return 0, fmt.Errorf("%s is not in the squashfs", name)
}
