package guestinstall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/qemu"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/kickstart"
)

// Oz's defaults (docs/koji-behaviour.md#the-install-vm).
const (
	ozInstallTimeout = 1200 * time.Second
	// tcgScale is how much longer an install may take under TCG when
	// install_timeout is not set.
	tcgScale = 4
)

// File names in the stage's output directory.
const (
	diskFile    = "disk.raw"
	consoleFile = "install-console.log" // distinct from boot-verify's, for data/logs/
	xmlFile     = "libvirt.xml"
)

type config struct {
	Kickstart         string   `cty:"kickstart"`
	InstallTree       string   `cty:"install_tree"`
	DiskSize          string   `cty:"disk_size"`
	Memory            string   `cty:"memory"`
	CPUs              *int     `cty:"cpus"`
	Accel             string   `cty:"accel"`
	InstallTimeout    *string  `cty:"install_timeout"`
	InactivityTimeout string   `cty:"inactivity_timeout"`
	KernelArgs        *string  `cty:"kernel_args"`
	Firmware          string   `cty:"firmware"`
	Failure           []string `cty:"failure"`
	DebugSSH          []string `cty:"debug_ssh"`
}

// defaultFailure are console patterns that end an install at once.
var defaultFailure = []string{`Kernel panic - not syncing`}

// settings are the parsed, checked values of a config.
type settings struct {
	diskBytes   int64
	memMiB      int
	installTO   time.Duration
	explicitTO  bool
	inactivity  time.Duration
	failure     []*regexp.Regexp
	failureText []string
}

func parse(cfg *config) (*settings, error) {
	var st settings
	var err error
	if st.diskBytes, err = qemu.ParseSize(cfg.DiskSize, 1<<30); err != nil {
		return nil, fmt.Errorf("disk_size: %w", err)
	}
	mem, err := qemu.ParseSize(cfg.Memory, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	st.memMiB = int(mem >> 20)
	st.installTO = ozInstallTimeout
	if cfg.InstallTimeout != nil {
		if st.installTO, err = qemu.ParseDuration(*cfg.InstallTimeout); err != nil {
			return nil, fmt.Errorf("install_timeout: %w", err)
		}
		st.explicitTO = true
	}
	if st.inactivity, err = qemu.ParseDuration(cfg.InactivityTimeout); err != nil {
		return nil, fmt.Errorf("inactivity_timeout: %w", err)
	}
	st.failureText = cfg.Failure
	if st.failureText == nil {
		st.failureText = defaultFailure
	}
	for _, f := range st.failureText {
		re, err := regexp.Compile(f)
		if err != nil {
			return nil, fmt.Errorf("failure: %w", err)
		}
		st.failure = append(st.failure, re)
	}
	return &st, nil
}

// decimalSize is a size in a power-of-1000 unit: "256 MB".
var decimalSize = regexp.MustCompile(`^\s*([0-9]+)\s*([kKmMgGtT])[bB]\s*$`)

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(attr string, f func(string) error) {
		v := c.Get(attr)
		if !v.IsKnown() || v.IsNull() || !v.Type().Equals(cty.String) {
			return
		}
		if err := f(v.AsString()); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + attr, Detail: err.Error(), Subject: c.Range(attr)})
		}
	}
	check("disk_size", func(s string) error { _, err := qemu.ParseSize(s, 1<<30); return err })
	if v := c.Get("disk_size"); v.IsKnown() && !v.IsNull() && !diags.HasErrors() {
		// "256 MB" is what Oz reads too, but rarely what was meant.
		if n, err := qemu.ParseSize(v.AsString(), 1<<30); err == nil && n%(1<<20) != 0 {
			detail := fmt.Sprintf("disk_size %q is %d bytes (%.1f MiB): KB, MB, GB and TB are powers of 1000, as Oz reads them.", v.AsString(), n, float64(n)/(1<<20))
			if m := decimalSize.FindStringSubmatch(v.AsString()); m != nil {
				detail += fmt.Sprintf(" Write %q for powers of 1024.", m[1]+strings.ToUpper(m[2])+"iB")
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Disk size not a whole MiB", Detail: detail, Subject: c.Range("disk_size")})
		}
	}
	check("memory", func(s string) error { _, err := qemu.ParseSize(s, 1<<20); return err })
	check("install_timeout", func(s string) error { _, err := qemu.ParseDuration(s); return err })
	check("inactivity_timeout", func(s string) error { _, err := qemu.ParseDuration(s); return err })
	if f := c.Get("failure"); f.IsWhollyKnown() && !f.IsNull() {
		for it := f.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if _, err := regexp.Compile(e.AsString()); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid failure pattern", Detail: err.Error(), Subject: c.Range("failure")})
			}
		}
	}
	if keys := c.Get("debug_ssh"); keys.IsWhollyKnown() && !keys.IsNull() {
		for it := keys.ElementIterator(); it.Next(); {
			_, k := it.Element()
			if err := checkKey(k.AsString()); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid debug_ssh key", Detail: err.Error(), Subject: c.Range("debug_ssh")})
			}
		}
	}
	if fw := c.Get("firmware"); c.Arch == "aarch64" && fw.IsKnown() && !fw.IsNull() && fw.AsString() == "bios" && c.Has("firmware") {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No BIOS on aarch64",
			Detail: `aarch64 machines boot with UEFI firmware: set firmware = "uefi" or leave it unset.`, Subject: c.Range("firmware")})
	}
	return diags
}

// InstallFailure is a failed install, with what the user needs to see why.
type InstallFailure = qemu.Failure

// consoleTail is how many console lines an error quotes.
const consoleTail = 15

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	st, err := parse(&cfg)
	if err != nil {
		return nil, err
	}
	arch := s.Arch
	if arch == kind.NoArch || arch == "" {
		return nil, errors.New("guest-install needs an architecture")
	}
	ksPath := cfg.Kickstart
	if !filepath.IsAbs(ksPath) {
		ksPath = filepath.Join(s.RecipeDir, ksPath)
	}
	ks, err := os.ReadFile(ksPath)
	if err != nil {
		return nil, fmt.Errorf("kickstart: %w", err)
	}
	// Its passwords are the run's secrets, also when flatten did not run
	// (satisfied from the store): the console and the installer's logs
	// this stage keeps are masked with them (docs/reliability-secrets.md).
	_, passwords := kickstart.MaskPasswords(string(ks), secret.Marker)
	s.Secrets.Add(passwords...)
	// The copy the installer boots from; the kickstart file stays as it is.
	ks = append(ks, onErrorScript...)
	debug := len(cfg.DebugSSH) > 0
	if debug {
		ks = append(ks, debugKickstart(cfg.DebugSSH)...)
	}
	work, err := os.MkdirTemp(s.Scratch, "guest-install-"+arch+"-")
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(work)
		}
	}()

	accel, why := qemu.ResolveAccel(ctx, s.Exec, cfg.Accel, arch, work)
	if why != "" {
		s.Warnf("using TCG: %s", why)
	}
	if accel == "tcg" && !st.explicitTO {
		st.installTO = ozInstallTimeout * tcgScale
		s.Warnf("TCG is far slower than KVM: install timeout %s (Oz's %s × %d); set install_timeout to choose", st.installTO, ozInstallTimeout, tcgScale)
	}

	client, err := download.NewClient()
	if err != nil {
		return nil, err
	}
	tree := strings.TrimRight(cfg.InstallTree, "/")
	if !qemu.IsRemote(tree) && !filepath.IsAbs(qemu.LocalPath(tree)) {
		tree = filepath.Join(s.RecipeDir, qemu.LocalPath(tree))
	}
	images, err := qemu.FindImages(ctx, client, tree, arch)
	if err != nil {
		return nil, err
	}
	cache := downloadCache()
	kernel, err := qemu.Fetch(ctx, client, images.Kernel, images.KernelSum, cache, work)
	if err != nil {
		return nil, fmt.Errorf("install tree kernel: %w", err)
	}
	initrd, err := qemu.Fetch(ctx, client, images.Initrd, images.InitrdSum, cache, work)
	if err != nil {
		return nil, fmt.Errorf("install tree initrd: %w", err)
	}
	ksInitrd := filepath.Join(work, "initrd-ks.img")
	if err := injectKickstart(initrd, ksInitrd, ks); err != nil {
		return nil, err
	}

	// The guest reaches a local tree through a server on the loopback,
	// and the loopback through QEMU's user network.
	repo := tree
	if !qemu.IsRemote(tree) {
		u, stop, err := qemu.ServeDir(qemu.LocalPath(tree))
		if err != nil {
			return nil, err
		}
		defer stop()
		repo = u
	}
	repo = qemu.GuestURL(repo)

	disk := filepath.Join(s.OutDir, diskFile)
	if err := createDisk(disk, st.diskBytes); err != nil {
		return nil, err
	}
	m := qemu.Machine{
		Arch: arch, Accel: accel, MemoryMiB: st.memMiB, CPUs: 1, Firmware: cfg.Firmware,
		Kernel: kernel, Initrd: ksInitrd,
		Append:   installArgs(arch, repo, cfg.KernelArgs, debug),
		Disks:    []qemu.Disk{{ID: "disk0", Path: disk, Format: "raw"}},
		Network:  true,
		NetDump:  filepath.Join(work, "net.pcap"),
		Serial:   "stdio",
		NoReboot: true,
	}
	if cfg.CPUs != nil {
		m.CPUs = *cfg.CPUs
	}
	sshPort := 0
	if debug {
		if sshPort, err = qemu.FreePort(); err != nil {
			return nil, fmt.Errorf("debug_ssh: a free port: %w", err)
		}
		m.Forwards = []qemu.Forward{{HostPort: sshPort, GuestPort: 22}}
	}
	if arch == "aarch64" && m.Firmware == "bios" {
		m.Firmware = "" // direct kernel boot without firmware
	}
	if m.Firmware == "uefi" {
		if m.FirmwareCode, m.FirmwareVars, err = firmwareCopy(arch, work); err != nil {
			return nil, err
		}
	}
	if m.Firmware == "bios" {
		m.Firmware = ""
	}

	consoleLog, err := os.Create(filepath.Join(s.OutDir, consoleFile))
	if err != nil {
		return nil, err
	}
	defer consoleLog.Close()
	// With --on-error=abort a failed install's VM is kept for a person to
	// attach to: its console output also goes to a tap, and its serial
	// input comes from a pipe.
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

	fmt.Fprintf(s.Log, "guest-install: %s, %s, %d MiB, disk %d MiB, install timeout %s, inactivity %s\n",
		arch, accel, st.memMiB, st.diskBytes>>20, st.installTO, st.inactivity)
	vm, err := qemu.Start(ctx, qemu.StartOptions{Exec: s.Exec, Machine: m, Console: con, Stdin: serialIn, Stderr: s.Log, Dir: work})
	if err != nil {
		return nil, err
	}
	defer vm.Stop()
	if debug {
		fmt.Fprintf(s.Log, "guest-install: debug_ssh: 127.0.0.1:%d is the installer's port 22; waiting for its sshd (the inactivity watchdog is off)\n", sshPort)
		actx, stopAnnounce := context.WithCancel(ctx)
		announced := make(chan struct{})
		go func() { announceSSH(actx, sshPort, s.Log); close(announced) }()
		defer func() { stopAnnounce(); <-announced }() // nothing in the log after the stage
	}

	fail := func(reason string) error {
		keep = true
		f := &InstallFailure{Reason: reason}
		dir := qemu.RunDir(s.RunDir, work)
		shot := filepath.Join(dir, "screenshot.png")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := vm.QMP.Screendump(sctx, shot); err == nil {
			f.Screenshot = shot
		} else {
			f.Reason += fmt.Sprintf(" (no screenshot: %v)", err)
		}
		cancel()
		if keyboard != nil {
			kept := qemu.Failed{VM: vm, Tap: tap, Keyboard: keyboard, PidFile: m.PidFile,
				Kept: kind.KeptMachine{Stage: s.Name, Arch: arch, Reason: f.Reason, Disk: disk}}
			retry := qemu.OnFailure(ctx, s, kept, "install")
			if retry {
				vm.Stop()
				return fmt.Errorf("%w: %s", kind.ErrRetry, f.Reason)
			}
		}
		vm.Stop()
		con.Flush()
		console, logs := splitConsole(con.Lines())
		f.Console = tail(console, consoleTail)
		var serr error
		if f.Logs, serr = saveLogs(dir, logs, s.Secrets); serr != nil {
			f.Reason += fmt.Sprintf(" (%v)", serr)
		}
		consoleLog.Sync()
		if b, err := os.ReadFile(consoleLog.Name()); err == nil {
			p := filepath.Join(dir, consoleFile)
			if os.WriteFile(p, []byte(s.Secrets.Mask(string(b))), 0o644) == nil {
				f.ConsoleLog = p
			}
		}
		return f
	}

	// The %onerror script has printed the installer's logs.
	installerFailed := con.Watch(logsDone)
	failed := make(chan string, 1)
	for _, re := range st.failure {
		go func(ch <-chan string) {
			select {
			case l := <-ch:
				select {
				case failed <- l:
				default:
				}
			case <-vm.Done():
			}
		}(con.Watch(re))
	}

	deadline := time.Now().Add(st.installTO)
	lastActive := time.Now()
	var lastOps, netMark int64 = -1, 0
	pcap := &qemu.PcapCounter{Path: m.NetDump}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-vm.Done():
			con.Flush()
			if err := vm.Wait(); err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				keep = true
				return nil, &InstallFailure{Reason: fmt.Sprintf("qemu failed: %v%s", err, vm.StderrTail()), Console: con.Tail(consoleTail)}
			}
			return finish(s, &cfg, st, arch)
		case <-ctx.Done():
			vm.Stop()
			return nil, ctx.Err()
		case l := <-failed:
			return nil, fail(fmt.Sprintf("the installer failed: console shows %q", strings.TrimSpace(l)))
		case <-installerFailed:
			return nil, fail("the installer failed: it ran the kickstart's %onerror scripts")
		case now := <-tick.C:
			qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			ops, err := vm.QMP.BlockOps(qctx)
			cancel()
			if err == nil && ops != lastOps {
				lastOps, lastActive = ops, now
			}
			// Oz counts network activity from 4 KiB on.
			if n := pcap.Poll(); n-netMark >= 4096 {
				netMark, lastActive = n, now
			}
			if now.After(deadline) {
				return nil, fail(fmt.Sprintf("the install did not finish in %s (install_timeout)", st.installTO))
			}
			if idle := now.Sub(lastActive); idle >= st.inactivity && !debug {
				return nil, fail(fmt.Sprintf("no disk or network activity in %s, failing: the install failed or is waiting for input (see the screenshot and console)", st.inactivity.Round(time.Second)))
			}
		}
	}
}

// installArgs is the installer's kernel command line: the kickstart in the
// initrd, the tree as the repository, the serial console last (so that it
// is /dev/console), as Oz boots Anaconda; and inst.sshd for debug_ssh.
func installArgs(arch, repo string, extra *string, sshd bool) string {
	words := []string{"inst.ks=file:/ks.cfg", "inst.repo=" + repo}
	if sshd {
		words = append(words, "inst.sshd")
	}
	if arch == "x86_64" {
		// The VGA console too, so that a screenshot shows the installer.
		words = append(words, "console=tty0")
	}
	words = append(words, "console="+qemu.SerialConsole(arch))
	args := qemu.KernelArgs(words...)
	if extra != nil && strings.TrimSpace(*extra) != "" {
		args += " " + strings.TrimSpace(*extra)
	}
	return args
}

// tail returns the last n lines of lines that are not blank.
func tail(lines []string, n int) []string {
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			out = append(out, lines[i])
		}
	}
	slices.Reverse(out)
	return out
}

// injectKickstart writes initrd with ks appended as /ks.cfg.
func injectKickstart(initrd, dst string, ks []byte) error {
	in, err := os.Open(initrd)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := qemu.AppendCPIO(out, in, qemu.KickstartCPIO(ks)); err != nil {
		out.Close()
		return fmt.Errorf("inject the kickstart: %w", err)
	}
	return out.Close()
}

// createDisk creates a sparse raw disk.
func createDisk(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// firmwareCopy returns the UEFI code image and a private copy of the vars
// template.
func firmwareCopy(arch, dir string) (string, string, error) {
	code, vars := qemu.DefaultFirmware(arch)
	b, err := os.ReadFile(vars)
	if err != nil {
		return "", "", fmt.Errorf("UEFI firmware: %w (install ovmf or qemu-efi-aarch64)", err)
	}
	dst := filepath.Join(dir, filepath.Base(vars))
	return code, dst, os.WriteFile(dst, b, 0o644)
}

// downloadCache is where checksummed tree downloads are kept between runs.
func downloadCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "imgpipe", "downloads")
	}
	return ""
}

// finish writes the libvirt XML and returns the outputs.
func finish(s *kind.Stage, cfg *config, st *settings, arch string) (kind.Outputs, error) {
	name := s.Name
	if s.Build.Name != "" {
		name = s.Build.Name
		if s.Build.Version != "" {
			name += "-" + s.Build.Version
		}
	}
	cpus := 1
	if cfg.CPUs != nil {
		cpus = *cfg.CPUs
	}
	xml := qemu.DomainXML(qemu.Domain{
		Name: name + "." + arch, Arch: arch, MemoryMiB: st.memMiB, CPUs: cpus,
		Disk: filepath.Join(s.ObjectDir, diskFile), DiskFormat: "raw", UEFI: cfg.Firmware == "uefi",
	})
	if err := os.WriteFile(filepath.Join(s.OutDir, xmlFile), []byte(xml), 0o644); err != nil {
		return nil, err
	}
	return kind.Outputs{
		"disk":        cty.StringVal(diskFile),
		"console":     cty.StringVal(consoleFile),
		"libvirt_xml": cty.StringVal(xmlFile),
	}, nil
}
