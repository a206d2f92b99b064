package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/qemu"
	"github.com/imgpipe/imgpipe/internal/termrelay"
)

// cmdBoot boots a disk image, or a published build's, with its serial
// console on the terminal, like `mkosi qemu`: a throw-away qcow2 overlay
// unless --persist. With --tree (or --kernel and --initrd, or a build that
// recorded its tree) the kernel is booted directly, root found in the
// disk's partition table; otherwise the disk's firmware boots it.
//
// The terminal is imgpipe's: qemu's serial port is a unix socket that
// imgpipe relays to and from the terminal in raw mode (internal/termrelay),
// so every key reaches the guest and none is left for the shell.
func cmdBoot(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("boot", "<disk | N-V-R[.ARCH]>")
	var sf storeFlags
	sf.register(fs)
	arch := fs.String("arch", "", "guest architecture: x86_64 or aarch64 (default: the build's, else x86_64)")
	tree := fs.String("tree", "", "install tree (URL or directory; the tree root with <arch>/ below it, or one arch's directory) to take the kernel and initrd from, for direct boot")
	kernel := fs.String("kernel", "", "kernel for direct boot")
	initrd := fs.String("initrd", "", "initrd for direct boot")
	appendArgs := fs.String("append", "", "extra kernel arguments for direct boot (a root= replaces the one found on the disk)")
	memory := fs.String("memory", "1024", "guest memory; a bare number is MiB")
	cpus := fs.Int("cpus", 1, "guest CPUs")
	accel := fs.String("accel", "auto", "accelerator: auto, kvm or tcg")
	persist := fs.Bool("persist", false, "write to the disk itself instead of a throw-away overlay")
	ssh := fs.Bool("ssh", false, "forward a free port of 127.0.0.1 to the guest's port 22 and print the ssh command")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("boot takes one disk image or one published build (N-V-R or N-V-R.ARCH)")
	}
	if *arch != "" && *arch != "x86_64" && *arch != "aarch64" {
		return usagef("--arch must be x86_64 or aarch64")
	}
	if (*kernel == "") != (*initrd == "") {
		return usagef("--kernel and --initrd go together")
	}
	if *accel != "auto" && *accel != "kvm" && *accel != "tcg" {
		return usagef("--accel must be auto, kvm or tcg")
	}
	mem, err := qemu.ParseSize(*memory, 1<<20)
	if err != nil {
		return usagef("--memory: %v", err)
	}
	a.sweepOrphans(ctx)
	target, err := bootTarget(pos[0], *arch, &sf)
	if err != nil {
		return err
	}
	if *arch == "" {
		*arch = target.arch
	}
	if *tree == "" && *kernel == "" {
		*tree = target.tree
	}
	if *persist && target.published {
		return usagef("--persist would write into the published build %s; boot it without --persist (a throw-away overlay)", pos[0])
	}

	// SIGINT reaches the guest as a key in raw mode; these end the boot.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	work, err := os.MkdirTemp("", "imgpipe-boot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ex := executor.Host{}
	disk := target.disk
	format, err := diskFormat(ctx, ex, disk, work)
	if err != nil {
		return err
	}
	acc, why := qemu.ResolveAccel(ctx, ex, *accel, *arch, work)
	if why != "" {
		fmt.Fprintf(a.stderr, "imgpipe boot: using TCG: %s\n", why)
	}

	sock := filepath.Join(work, "console.sock")
	m := qemu.Machine{
		Arch: *arch, Accel: acc, MemoryMiB: int(mem >> 20), CPUs: *cpus, Network: true,
		// qemu waits for imgpipe to connect before the guest starts, so
		// the console is shown from its first byte.
		Serial: "unix:" + sock + ",server=on,wait=on",
	}
	sshPort := 0
	if *ssh {
		if sshPort, err = qemu.FreePort(); err != nil {
			return fmt.Errorf("--ssh: %w", err)
		}
		m.Forwards = []qemu.Forward{{HostPort: sshPort, GuestPort: 22}}
	}
	bootDisk, bootFormat := disk, format
	if !*persist {
		bootDisk, bootFormat = filepath.Join(work, "overlay.qcow2"), "qcow2"
		if err := ex.Run(ctx, executor.Cmd{Argv: qemu.OverlayArgv(disk, format, bootDisk), Dir: work, Stdout: a.stderr, Stderr: a.stderr}); err != nil {
			return fmt.Errorf("create the overlay: %w", err)
		}
	}
	m.Disks = []qemu.Disk{{ID: "disk0", Path: bootDisk, Format: bootFormat}}

	if *tree != "" || *kernel != "" {
		client, err := download.NewClient()
		if err != nil {
			return err
		}
		k, i, ks, is := *kernel, *initrd, "", ""
		if *tree != "" {
			img, err := findTreeImages(ctx, client, strings.TrimRight(*tree, "/"), *arch)
			if err != nil {
				return err
			}
			k, i, ks, is = img.Kernel, img.Initrd, img.KernelSum, img.InitrdSum
		}
		if m.Kernel, err = qemu.Fetch(ctx, client, k, ks, "", work); err != nil {
			return fmt.Errorf("kernel: %w", err)
		}
		if m.Initrd, err = qemu.Fetch(ctx, client, i, is, "", work); err != nil {
			return fmt.Errorf("initrd: %w", err)
		}
		words := []string{"console=" + qemu.SerialConsole(*arch)}
		if !strings.Contains(" "+*appendArgs, " root=") {
			n, err := rootPartition(ctx, ex, disk, format, work)
			if err != nil {
				return fmt.Errorf("find the root partition of %s (or give root= in --append): %w", disk, err)
			}
			words = append(words, "root=/dev/vda"+strconv.Itoa(n), "rw")
		}
		m.Append = strings.TrimSpace(qemu.KernelArgs(words...) + " " + *appendArgs)
	} else if *arch == "aarch64" {
		m.Firmware = "uefi"
		code, vars := qemu.DefaultFirmware(*arch)
		b, err := os.ReadFile(vars)
		if err != nil {
			return fmt.Errorf("UEFI firmware: %w (install qemu-efi-aarch64)", err)
		}
		m.FirmwareCode, m.FirmwareVars = code, filepath.Join(work, filepath.Base(vars))
		if err := os.WriteFile(m.FirmwareVars, b, 0o644); err != nil {
			return err
		}
	}

	restore, err := termrelay.Raw(os.Stdin)
	if err != nil {
		return fmt.Errorf("put the terminal in raw mode: %w", err)
	}
	defer restore()
	// Raw mode: a line ends with \r\n on the terminal.
	say := func(format string, args ...any) {
		fmt.Fprintf(a.stderr, strings.ReplaceAll(format, "\n", "\r\n"), args...)
	}
	what := "a throw-away overlay of " + disk
	if *persist {
		what = disk + " (changes are kept)"
	}
	say("imgpipe boot: %s, %s, %s. Ctrl-A x quits, Ctrl-A h lists the keys.\n", *arch, acc, what)
	if sshPort != 0 {
		say("imgpipe boot: once the guest's sshd is up: ssh -p %d -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1\n", sshPort)
	}
	// qemu's own messages go through imgpipe too: never the terminal. Once
	// the person quit, its "terminating on signal" is noise.
	qemuErr := &gatedWriter{w: crlfWriter{a.stderr}}
	vm, err := qemu.Start(ctx, qemu.StartOptions{Exec: ex, Machine: m, Console: io.Discard, Stderr: qemuErr, Dir: work, NoQMP: true})
	if err != nil {
		return err
	}
	defer vm.Stop()
	conn, err := dialConsole(ctx, sock, vm.Done())
	if err != nil {
		vm.Stop()
		if werr := vm.Wait(); werr != nil && ctx.Err() == nil {
			return fmt.Errorf("qemu: %w%s", werr, vm.StderrTail())
		}
		return err
	}
	defer conn.Close()
	how, err := termrelay.Run(ctx, conn, termrelay.NewKeys(os.Stdin), a.stdout)
	switch how {
	case termrelay.Quit:
		qemuErr.close()
		vm.Stop()
		say("\nimgpipe boot: quit; the machine is stopped.\n")
		return nil
	case termrelay.Cancelled:
		return err
	}
	if werr := vm.Wait(); werr != nil && ctx.Err() == nil {
		return fmt.Errorf("qemu: %w%s", werr, vm.StderrTail())
	}
	return err
}

// bootSubject is what `imgpipe boot` boots: a disk file, or a published
// build's disk with the tree it was installed from.
type bootSubject struct {
	disk, arch, tree string
	published        bool
}

// bootTarget resolves boot's argument: a file, else a build of the store
// named N-V-R (one arch, or the one given by --arch) or N-V-R.ARCH.
func bootTarget(arg, arch string, sf *storeFlags) (bootSubject, error) {
	if _, err := os.Stat(arg); err == nil {
		disk, err := filepath.Abs(arg)
		if arch == "" {
			arch = "x86_64"
		}
		return bootSubject{disk: disk, arch: arch}, err
	}
	if strings.ContainsRune(arg, '/') || strings.Count(arg, "-") < 2 {
		return bootSubject{}, usagef("%s: no such file, and not a build's name-version-release", arg)
	}
	dir, err := sf.find()
	if err != nil {
		return bootSubject{}, usagef("%s is not a file; to boot the build of that name: %v", arg, err)
	}
	st, err := store.OpenExisting(dir)
	if err != nil {
		return bootSubject{}, usagef("%s is not a file; to boot the build of that name: %v", arg, err)
	}
	nvr := arg
	b, ok, err := st.FindBuild(nvr)
	if err == nil && !ok {
		// N-V-R.ARCH, as Koji names a build's image files.
		if i := strings.LastIndexByte(arg, '.'); i > 0 {
			if b, ok, err = st.FindBuild(arg[:i]); ok {
				nvr, arch = arg[:i], arg[i+1:]
			}
		}
	}
	if err != nil {
		return bootSubject{}, err
	}
	if !ok || (b.State != store.BuildPublished && b.State != store.BuildScratch) {
		return bootSubject{}, usagef("%s: no such file, and %s has no published build %s (imgpipe builds lists them)", arg, st.Dir, arg)
	}
	meta, err := store.ReadMetadata(b.Dir)
	if err != nil {
		return bootSubject{}, err
	}
	if arch == "" {
		if len(meta.Arches) != 1 {
			return bootSubject{}, usagef("%s has %s: name one, %s.%s, or give --arch", nvr, strings.Join(meta.Arches, " and "), nvr, meta.Arches[0])
		}
		arch = meta.Arches[0]
	}
	part := meta.Builds[arch]
	if part == nil {
		return bootSubject{}, usagef("%s has no %s image (it has %s)", nvr, arch, strings.Join(meta.Arches, ", "))
	}
	// The disk formats qemu boots, in the order a person would pick them.
	for _, f := range []string{"qcow2", "raw", "raw-xz", "vmdk", "vdi", "vhdx", "vpc"} {
		for _, img := range part.Images {
			if img.Format == f && !strings.HasSuffix(img.Path, ".xz") && !strings.HasSuffix(img.Path, ".gz") {
				return bootSubject{disk: filepath.Join(b.Dir, filepath.FromSlash(img.Path)), arch: arch, tree: part.InstallTree, published: true}, nil
			}
		}
	}
	var formats []string
	for _, img := range part.Images {
		formats = append(formats, img.Format)
	}
	return bootSubject{}, usagef("%s.%s has no disk image qemu boots (it has %s); convert it to qcow2", nvr, arch, strings.Join(formats, ", "))
}

// findTreeImages finds arch's kernel and initrd in tree: the tree root
// recipes name (with <arch>/ below it), or that arch's directory.
func findTreeImages(ctx context.Context, client *http.Client, tree, arch string) (qemu.TreeImages, error) {
	for _, dir := range []string{tree + "/" + arch, tree} {
		img, err := qemu.FindImages(ctx, client, dir, arch)
		if err != nil {
			return img, err
		}
		if img.FromTreeinfo || qemu.IsRemote(dir) && dir == tree {
			return img, nil
		}
		if !qemu.IsRemote(dir) {
			if _, err := os.Stat(qemu.LocalPath(img.Kernel)); err == nil {
				return img, nil
			}
		}
	}
	return qemu.TreeImages{}, fmt.Errorf("--tree %s: no kernel for %s in it or in %s/%s (a .treeinfo with [images-%s], or images/pxeboot/vmlinuz)", tree, arch, tree, arch, arch)
}

// diskFormat asks qemu-img what format disk is in: boot takes whatever it
// reads (qcow2, raw, vmdk, ...).
func diskFormat(ctx context.Context, ex executor.Executor, disk, work string) (string, error) {
	var out strings.Builder
	var errOut strings.Builder
	if err := ex.Run(ctx, executor.Cmd{Argv: qemu.InfoArgv(disk), Dir: work, Stdout: &out, Stderr: &errOut}); err != nil {
		return "", fmt.Errorf("%s is not a disk image qemu-img can read: %w: %s", disk, err, strings.TrimSpace(errOut.String()))
	}
	return qemu.ParseInfoFormat([]byte(out.String()))
}

// rootPartition finds the root partition in the disk's partition table,
// read through qemu-img whatever the disk's format.
func rootPartition(ctx context.Context, ex executor.Executor, disk, format, work string) (int, error) {
	head := filepath.Join(work, "head.raw")
	var errOut strings.Builder
	if err := ex.Run(ctx, executor.Cmd{Argv: qemu.HeadArgv(disk, format, head), Dir: work, Stderr: &errOut}); err != nil {
		return 0, fmt.Errorf("read its partition table: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	f, err := os.Open(head)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return qemu.RootPartition(f)
}

// dialConsole connects to qemu's serial socket once qemu has made it.
func dialConsole(ctx context.Context, sock string, exited <-chan struct{}) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	wait := 5 * time.Millisecond
	for {
		conn, err := net.Dial("unix", sock)
		if err == nil {
			return conn, nil
		}
		select {
		case <-exited:
			return nil, errors.New("qemu exited before its console was up")
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to the console %s: %w", sock, context.Cause(ctx))
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// gatedWriter passes writes on until it is closed.
type gatedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gatedWriter) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// crlfWriter ends lines with \r\n, for a terminal in raw mode.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	if _, err := c.w.Write([]byte(strings.ReplaceAll(string(p), "\n", "\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
