package bootverify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/qemu"
)

// DefaultIcicle is Koji's package query (docs/koji-behaviour.md#package-list-icicle).
const DefaultIcicle = `rpm -qa --qf '%{NAME},%{VERSION},%{RELEASE},%{ARCH},%{EPOCH},%{SIZE},%{SIGMD5},%{BUILDTIME}\n'`

// DefaultTimeout is the boot timeout when the stage's timeout is unset
// (docs/decisions/0004), Oz's boot timeout.
const DefaultTimeout = 300 * time.Second

var (
	defaultSuccess = []string{`\blogin:\s*$`}
	defaultFailure = []string{`Kernel panic`, `emergency mode`}
	// The query runs as systemd's kernel-command-line.service; its output
	// lies between these status lines.
	icicleStart = regexp.MustCompile(`Starting kernel-command-line\.service`)
	icicleEnd   = regexp.MustCompile(`(Finished|Failed to start) kernel-command-line\.service`)
	// One icicle record: N,V,R,A,E,SIZE,SIGMD5,BUILDTIME.
	icicleRecord = regexp.MustCompile(`^([^,\s]+),([^,\s]+),([^,\s]+),([^,\s]+),([^,\s]+),(\d+),([^,\s]*),(\d+)$`)
)

const (
	packagesFile = "packages.json"
	consoleFile  = "boot-console.log" // distinct from guest-install's, for data/logs/
	consoleTail  = 15
)

type config struct {
	Disk        string   `cty:"disk"`
	InstallTree *string  `cty:"install_tree"`
	Kernel      *string  `cty:"kernel"`
	Initrd      *string  `cty:"initrd"`
	Mode        string   `cty:"mode"`
	Success     []string `cty:"success"`
	Failure     []string `cty:"failure"`
	Icicle      *string  `cty:"icicle"`
	Memory      *string  `cty:"memory"`
	CPUs        *int     `cty:"cpus"`
	Accel       string   `cty:"accel"`
	KernelArgs  *string  `cty:"kernel_args"`
}

// Package is one icicle entry, with Koji's fields (docs/koji-behaviour.md#package-list-icicle): epoch
// is null for rpm's "(none)"; sigmd5 is what Koji stores as payloadhash.
type Package struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Release   string `json:"release"`
	Arch      string `json:"arch"`
	Epoch     *int   `json:"epoch"`
	Size      int64  `json:"size"`
	SigMD5    string `json:"sigmd5"`
	BuildTime int64  `json:"buildtime"`
}

// ParseIcicle reads the package query's output from console lines: the
// records between the kernel-command-line.service status lines (or
// anywhere, without them), sorted by name.
func ParseIcicle(lines []string) []Package {
	from, to := 0, len(lines)
	for i, l := range lines {
		if icicleStart.MatchString(l) {
			from = i + 1
			break
		}
	}
	for i := from; i < len(lines); i++ {
		if icicleEnd.MatchString(lines[i]) {
			to = i
			break
		}
	}
	pkgs := []Package{}
	for _, l := range lines[from:to] {
		m := icicleRecord.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		p := Package{Name: m[1], Version: m[2], Release: m[3], Arch: m[4], SigMD5: m[7]}
		if e, err := strconv.Atoi(m[5]); err == nil {
			p.Epoch = &e
		}
		p.Size, _ = strconv.ParseInt(m[6], 10, 64)
		p.BuildTime, _ = strconv.ParseInt(m[8], 10, 64)
		pkgs = append(pkgs, p)
	}
	sort.SliceStable(pkgs, func(i, j int) bool {
		if pkgs[i].Name != pkgs[j].Name {
			return pkgs[i].Name < pkgs[j].Name
		}
		return pkgs[i].Arch < pkgs[j].Arch
	})
	return pkgs
}

func compileAll(pats []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range pats {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, attr := range []string{"success", "failure"} {
		v := c.Get(attr)
		if !v.IsWhollyKnown() || v.IsNull() {
			continue
		}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if _, err := regexp.Compile(e.AsString()); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + attr + " pattern", Detail: err.Error(), Subject: c.Range(attr)})
			}
		}
	}
	if m := c.Get("memory"); m.IsKnown() && !m.IsNull() {
		if _, err := qemu.ParseSize(m.AsString(), 1<<20); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid memory", Detail: err.Error(), Subject: c.Range("memory")})
		}
	}
	mode := c.Get("mode")
	if mode.IsKnown() && !mode.IsNull() && mode.AsString() == "direct" {
		k, i := c.Has("kernel"), c.Has("initrd")
		if k != i {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "kernel and initrd go together",
				Detail: "Direct boot takes both kernel and initrd, or install_tree to take them from.", Subject: c.Block.Ptr()})
		} else if !k && !c.Has("install_tree") {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nothing to boot",
				Detail: `mode = "direct" needs install_tree, or kernel and initrd; or set mode = "firmware".`, Subject: c.Block.Ptr()})
		}
	}
	return diags
}

// BootFailure is a failed boot, with what the user needs to see why.
type BootFailure = qemu.Failure

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	arch := s.Arch
	if arch == kind.NoArch || arch == "" {
		return nil, errors.New("boot-verify needs an architecture")
	}
	success, err := compileAll(orDefault(cfg.Success, defaultSuccess))
	if err != nil {
		return nil, fmt.Errorf("success: %w", err)
	}
	failure, err := compileAll(orDefault(cfg.Failure, defaultFailure))
	if err != nil {
		return nil, fmt.Errorf("failure: %w", err)
	}
	memMiB := 1024
	if cfg.Memory != nil {
		m, err := qemu.ParseSize(*cfg.Memory, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
		memMiB = int(m >> 20)
	}
	timeout := DefaultTimeout
	if s.Timeout > 0 {
		// Leave a little of the stage's timeout for the screenshot.
		timeout = s.Timeout - min(10*time.Second, s.Timeout/10)
	}
	icicle := DefaultIcicle
	if cfg.Icicle != nil {
		icicle = strings.TrimSpace(*cfg.Icicle)
	}

	work, err := os.MkdirTemp(s.Scratch, "boot-verify-"+arch+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	accel, why := qemu.ResolveAccel(ctx, s.Exec, cfg.Accel, arch, work)
	if why != "" {
		s.Warnf("using TCG: %s", why)
	}

	// A throw-away overlay: the artifact is never written.
	format, err := qemu.DiskFormat(cfg.Disk)
	if err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	overlay := filepath.Join(work, "overlay.qcow2")
	if err := s.Exec.Run(ctx, executor.Cmd{
		Argv: qemu.OverlayArgv(cfg.Disk, format, overlay), Env: []string{"PATH=" + os.Getenv("PATH")},
		Dir: work, Inputs: []string{cfg.Disk}, OutputDir: work, Stdout: s.Log, Stderr: s.Log,
	}); err != nil {
		return nil, fmt.Errorf("create the overlay: %w", err)
	}

	m := qemu.Machine{
		Arch: arch, Accel: accel, MemoryMiB: memMiB, CPUs: 1,
		Disks:    []qemu.Disk{{ID: "disk0", Path: overlay, Format: "qcow2"}},
		Serial:   "stdio",
		NoReboot: true,
	}
	if cfg.CPUs != nil {
		m.CPUs = *cfg.CPUs
	}
	queryIcicle := false
	switch cfg.Mode {
	case "firmware":
		m.Firmware = "bios"
		if arch == "aarch64" {
			m.Firmware = "uefi"
		}
		if icicle != "" {
			fmt.Fprintf(s.Log, "warning: firmware boot takes no kernel arguments, so no package query (icicle): packages is empty\n")
		}
	default:
		kernel, initrd, err := bootFiles(ctx, s, &cfg, work)
		if err != nil {
			return nil, err
		}
		m.Kernel, m.Initrd = kernel, initrd
		args := []string{"console=" + qemu.SerialConsole(arch)}
		extra := ""
		if cfg.KernelArgs != nil {
			extra = strings.TrimSpace(*cfg.KernelArgs)
		}
		if !strings.Contains(" "+extra, " root=") {
			root, err := rootDevice(cfg.Disk, format)
			if err != nil {
				return nil, err
			}
			args = append(args, "root="+root, "ro")
		}
		args = append(args, "panic=-1")
		if icicle != "" {
			args = append(args, "systemd.run="+icicle)
			queryIcicle = true
		}
		m.Append = qemu.KernelArgs(args...)
		if extra != "" {
			m.Append += " " + extra
		}
	}
	if m.Firmware == "uefi" {
		code, vars := qemu.DefaultFirmware(arch)
		b, err := os.ReadFile(vars)
		if err != nil {
			return nil, fmt.Errorf("UEFI firmware: %w", err)
		}
		m.FirmwareCode, m.FirmwareVars = code, filepath.Join(work, filepath.Base(vars))
		if err := os.WriteFile(m.FirmwareVars, b, 0o644); err != nil {
			return nil, err
		}
	} else if m.Firmware == "bios" {
		m.Firmware = ""
	}

	consoleLog, err := os.Create(filepath.Join(s.OutDir, consoleFile))
	if err != nil {
		return nil, err
	}
	defer consoleLog.Close()
	// With --on-error=abort a failed boot's VM is kept for a person to
	// attach to (qemu.KeepForDebugging).
	tap := qemu.NewConsoleTap()
	con := &qemu.Console{Raw: io.MultiWriter(consoleLog, tap), Live: s.Log}
	defer con.Flush()
	var serialIn io.Reader
	var keyboard io.WriteCloser
	if s.OnError == kind.OnErrorAbort || s.OnError == kind.OnErrorAsk {
		pr, pw := io.Pipe()
		defer pw.Close()
		serialIn, keyboard = pr, pw
		m.PidFile = filepath.Join(work, "qemu.pid")
	}

	fmt.Fprintf(s.Log, "boot-verify: %s, %s, %d MiB, boot timeout %s\n", arch, accel, memMiB, timeout)
	vm, err := qemu.Start(ctx, qemu.StartOptions{Exec: s.Exec, Machine: m, Console: con, Stdin: serialIn, Stderr: s.Log, Dir: work})
	if err != nil {
		return nil, err
	}
	defer vm.Stop()

	fail := func(reason string) error {
		f := &BootFailure{Reason: reason}
		dir := qemu.RunDir(s.RunDir, "")
		if dir != "" && vm.QMP != nil {
			shot := filepath.Join(dir, "screenshot.png")
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := vm.QMP.Screendump(sctx, shot); err == nil {
				f.Screenshot = shot
			}
			cancel()
		}
		if keyboard != nil {
			kept := qemu.Failed{VM: vm, Tap: tap, Keyboard: keyboard, PidFile: m.PidFile,
				Kept: kind.KeptMachine{Stage: s.Name, Arch: arch, Reason: f.Reason, Disk: overlay}}
			retry := qemu.OnFailure(ctx, s, kept, "boot")
			if retry {
				vm.Stop()
				return fmt.Errorf("%w: %s", kind.ErrRetry, f.Reason)
			}
		}
		vm.Stop()
		con.Flush()
		f.Console = con.Tail(consoleTail)
		consoleLog.Sync()
		if b, err := os.ReadFile(consoleLog.Name()); err == nil && dir != "" {
			p := filepath.Join(dir, consoleFile)
			// The run's secrets are masked in what the run keeps
			// (docs/reliability-secrets.md).
			if os.WriteFile(p, []byte(s.Secrets.Mask(string(b))), 0o644) == nil {
				f.ConsoleLog = p
			}
		}
		return f
	}

	first := func(res []*regexp.Regexp) <-chan string {
		out := make(chan string, 1)
		for _, re := range res {
			go func(ch <-chan string) {
				select {
				case l := <-ch:
					select {
					case out <- l:
					default:
					}
				case <-vm.Done():
				}
			}(con.Watch(re))
		}
		return out
	}
	succeeded, failed := first(success), first(failure)
	var icicleDone <-chan string
	if queryIcicle {
		icicleDone = con.Watch(icicleEnd)
	}
	booted, queried := false, !queryIcicle
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for !booted || !queried {
		select {
		case <-succeeded:
			booted, succeeded = true, nil
		case l := <-icicleDone:
			queried, icicleDone = true, nil
			if strings.Contains(l, "Failed") {
				return nil, fail(fmt.Sprintf("the package query (icicle) failed in the guest: %q", strings.TrimSpace(l)))
			}
		case l := <-failed:
			return nil, fail(fmt.Sprintf("the boot failed: console shows %q", strings.TrimSpace(l)))
		case <-vm.Done():
			con.Flush()
			err := vm.Wait()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			why := "the guest stopped before it booted"
			if err != nil {
				why = fmt.Sprintf("qemu failed: %v%s", err, vm.StderrTail())
			}
			f := &BootFailure{Reason: why, Console: con.Tail(consoleTail)}
			return nil, f
		case <-timer.C:
			what := "a success pattern"
			if booted {
				what = "the package query to finish"
			}
			return nil, fail(fmt.Sprintf("no %s on the console in %s (boot timeout)", what, timeout))
		case <-ctx.Done():
			vm.Stop()
			return nil, ctx.Err()
		}
	}
	vm.Stop()
	con.Flush()
	pkgs := []Package{}
	if queryIcicle {
		pkgs = ParseIcicle(con.Lines())
		if len(pkgs) == 0 {
			return nil, &BootFailure{Reason: "the package query (icicle) printed no packages", Console: con.Tail(consoleTail)}
		}
	}
	b, err := json.MarshalIndent(pkgs, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(s.OutDir, packagesFile), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(s.Log, "boot-verify: booted; %d packages\n", len(pkgs))
	return kind.Outputs{
		"packages": cty.StringVal(packagesFile),
		"console":  cty.StringVal(consoleFile),
	}, nil
}

func orDefault(v, def []string) []string {
	if v == nil {
		return def
	}
	return v
}

// bootFiles returns the kernel and initrd for direct boot.
func bootFiles(ctx context.Context, s *kind.Stage, cfg *config, work string) (string, string, error) {
	abs := func(p string) string {
		if qemu.IsRemote(p) || filepath.IsAbs(qemu.LocalPath(p)) {
			return p
		}
		return filepath.Join(s.RecipeDir, qemu.LocalPath(p))
	}
	client, err := download.NewClient()
	if err != nil {
		return "", "", err
	}
	var kernel, initrd, ksum, isum string
	switch {
	case cfg.Kernel != nil && cfg.Initrd != nil:
		kernel, initrd = abs(*cfg.Kernel), abs(*cfg.Initrd)
	case cfg.InstallTree != nil:
		img, err := qemu.FindImages(ctx, client, abs(strings.TrimRight(*cfg.InstallTree, "/")), s.Arch)
		if err != nil {
			return "", "", err
		}
		kernel, initrd, ksum, isum = img.Kernel, img.Initrd, img.KernelSum, img.InitrdSum
	default:
		return "", "", errors.New(`direct boot needs install_tree, or kernel and initrd`)
	}
	cache := ""
	if d, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(d, "imgpipe", "downloads")
	}
	k, err := qemu.Fetch(ctx, client, kernel, ksum, cache, work)
	if err != nil {
		return "", "", fmt.Errorf("kernel: %w", err)
	}
	i, err := qemu.Fetch(ctx, client, initrd, isum, cache, work)
	if err != nil {
		return "", "", fmt.Errorf("initrd: %w", err)
	}
	return k, i, nil
}

// rootDevice names the disk's root partition for root=.
func rootDevice(disk, format string) (string, error) {
	if format != "raw" {
		return "", errors.New(`the disk is not raw, so its root partition cannot be read: give root= in kernel_args`)
	}
	f, err := os.Open(disk)
	if err != nil {
		return "", err
	}
	defer f.Close()
	n, err := qemu.RootPartition(f)
	if err != nil {
		return "", fmt.Errorf("find the root partition (or give root= in kernel_args): %w", err)
	}
	return "/dev/vda" + strconv.Itoa(n), nil
}
