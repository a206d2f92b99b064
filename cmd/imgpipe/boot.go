package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/qemu"
)

// bootStdin is the console's input for `imgpipe boot`; tests replace it.
var bootStdin io.Reader = os.Stdin

// cmdBoot boots a disk image with its serial console on the terminal, like
// `mkosi qemu`: a throw-away qcow2 overlay unless --persist. With --tree
// (or --kernel and --initrd) the kernel is booted directly, root guessed
// from the disk's partition table; otherwise the disk's firmware boots it.
func cmdBoot(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("boot", "<disk>")
	arch := fs.String("arch", "x86_64", "guest architecture: x86_64 or aarch64")
	tree := fs.String("tree", "", "install tree (URL or directory) to take the kernel and initrd from, for direct boot")
	kernel := fs.String("kernel", "", "kernel for direct boot")
	initrd := fs.String("initrd", "", "initrd for direct boot")
	appendArgs := fs.String("append", "", "extra kernel arguments for direct boot (a root= replaces the guessed one)")
	memory := fs.String("memory", "1024", "guest memory; a bare number is MiB")
	cpus := fs.Int("cpus", 1, "guest CPUs")
	accel := fs.String("accel", "auto", "accelerator: auto, kvm or tcg")
	persist := fs.Bool("persist", false, "write to the disk itself instead of a throw-away overlay")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("boot takes one disk image")
	}
	if *arch != "x86_64" && *arch != "aarch64" {
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
	disk, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	format, err := qemu.DiskFormat(disk)
	if err != nil {
		return usagef("%v", err)
	}
	work, err := os.MkdirTemp("", "imgpipe-boot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ex := executor.Host{}
	acc, why := qemu.ResolveAccel(ctx, ex, *accel, *arch, work)
	if why != "" {
		fmt.Fprintf(a.stderr, "imgpipe boot: using TCG: %s\n", why)
	}

	m := qemu.Machine{Arch: *arch, Accel: acc, MemoryMiB: int(mem >> 20), CPUs: *cpus, Serial: "mon:stdio", Network: true}
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
			img, err := qemu.FindImages(ctx, client, strings.TrimRight(*tree, "/"), *arch)
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
			if format != "raw" {
				return usagef("the disk is not raw: give its root= in --append")
			}
			f, err := os.Open(disk)
			if err != nil {
				return err
			}
			n, err := qemu.RootPartition(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("find the root partition (or give root= in --append): %w", err)
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

	// The terminal goes raw so that every key reaches the guest; qemu's
	// escape, Ctrl-A x, quits. Its input goes through a pipe: the executor
	// runs qemu outside the terminal's foreground process group.
	var stdin io.Reader = struct{ io.Reader }{bootStdin}
	if f, ok := bootStdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		old, err := term.MakeRaw(fd)
		if err == nil {
			defer term.Restore(fd, old)
		}
	}
	what := "a throw-away overlay of " + disk
	if *persist {
		what = disk + " (changes are kept)"
	}
	fmt.Fprintf(a.stderr, "imgpipe boot: %s, %s, %s. Ctrl-A x quits.\r\n", *arch, acc, what)
	vm, err := qemu.Start(ctx, qemu.StartOptions{Exec: ex, Machine: m, Console: a.stdout, Stdin: stdin, Stderr: a.stderr, Dir: work, NoQMP: true})
	if err != nil {
		return err
	}
	if err := vm.Wait(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("qemu: %w%s", err, vm.StderrTail())
	}
	return nil
}
