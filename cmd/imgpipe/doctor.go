package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/cache/oci"
	"github.com/imgpipe/imgpipe/engine/cacheref"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/gogetter"
	"github.com/imgpipe/imgpipe/internal/ociclient"
	"github.com/imgpipe/imgpipe/internal/qemu"
)

// finding is one line of `imgpipe doctor`.
type finding struct {
	Check  string `json:"check"`
	Status string `json:"status"` // statusOK, statusWarn or statusFail
	Detail string `json:"detail"`
	// Fix says what to do about a warning or failure.
	Fix string `json:"fix,omitempty"`
}

const (
	statusOK   = "ok"
	statusWarn = "warn" // a capability is missing; stages that need it fail
	statusFail = "fail" // imgpipe cannot work at all
)

// hostTool is a program some stage kinds run on the host.
type hostTool struct {
	name, pkg, usedBy string
}

// hostTools are the programs stage kinds run, with the Debian package that
// has each. The VM and convert stages run them through the host executor,
// so a missing one fails only the stages that need it.
var hostTools = []hostTool{
	{"qemu-system-x86_64", "qemu-system-x86", "guest-install, boot-verify and imgpipe boot for x86_64"},
	{"qemu-system-aarch64", "qemu-system-arm", "guest-install, boot-verify and imgpipe boot for aarch64"},
	{"qemu-img", "qemu-utils", "convert, boot-verify overlays"},
	{"xz", "xz-utils", "convert: raw-xz"},
	{"mksquashfs", "squashfs-tools", "convert: liveimg-squashfs"},
	{"tar", "tar", "convert: tar-gz, ova and vagrant formats"},
	{"git", "git", "fetch-ks: git sources"},
}

// firmware are the UEFI images firmware = "uefi" boots with.
var firmware = []struct{ arch, code, pkg string }{
	{"x86_64", qemu.OVMFCode, "ovmf"},
	{"aarch64", qemu.AAVMFCode, "qemu-efi-aarch64"},
}

func cmdDoctor(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("doctor", "[RECIPE]")
	storeFlag := fs.String("store", "", "store directory to check (default: ./.imgpipe, .imgpipe beside RECIPE, or $IMGPIPE_STORE)")
	format := registerFormat(fs, "text", "json")
	var rf recipeFlags
	rf.register(fs)
	var cf cacheFlags
	cf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("doctor takes at most one recipe, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	if err := cf.check(); err != nil {
		return err
	}
	recipeDir := ""
	if len(pos) == 1 {
		recipeDir = filepath.Dir(pos[0])
	}

	// With a recipe, what it needs: a tool it runs that is missing fails
	// (exit 1), podman is checked only if a stage runs in a container,
	// and executor blocks are checked the way a run connects to them.
	var plan *engine.Plan
	var needs recipeNeeds
	if len(pos) == 1 {
		if plan, _, err = a.prepare(ctx, pos[0], rf, forCheck); err != nil {
			return err
		}
		needs = needsOf(plan)
	}

	var found []finding
	found = append(found, checkStore(storeDir(*storeFlag, recipeDir)))
	for _, t := range hostTools {
		f := checkTool(ctx, t)
		if by, ok := needs.tools[t.name]; ok && f.Status != statusOK {
			f.Status, f.Detail = statusFail, "not found; "+filepath.Base(pos[0])+" needs it: "+by
		}
		found = append(found, f)
	}
	for _, fw := range firmware {
		found = append(found, checkFirmware(fw.arch, fw.code, fw.pkg))
	}
	found = append(found, checkGetter(ctx))
	found = append(found, checkKVM(ctx))
	if plan == nil || needs.podman {
		found = append(found, checkPodman(ctx, "podman", "", ""))
	}
	var block *recipe.Cache
	if plan != nil {
		for _, b := range plan.ExecutorBlocks {
			found = append(found, checkPodman(ctx, "executor "+b.Name, b.Connection, b.IdentityFile))
		}
		block = plan.Recipe.Cache
	}
	found = append(found, checkCaches(ctx, cf, block)...)

	failed := false
	for _, f := range found {
		failed = failed || f.Status == statusFail
	}
	if format.json() {
		b, _ := json.MarshalIndent(found, "", "  ")
		fmt.Fprintf(a.stdout, "%s\n", b)
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		for _, f := range found {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Status, f.Check, f.Detail)
			if f.Fix != "" {
				fmt.Fprintf(tw, "\t\t%s\n", "fix: "+f.Fix)
			}
		}
		tw.Flush()
	}
	if failed {
		return &silentError{code: exitFailed}
	}
	return nil
}

// recipeNeeds is what a recipe's stages need of this machine.
type recipeNeeds struct {
	// tools maps each host program the stages run here to the first
	// stage that runs it.
	tools map[string]string
	// podman: a stage runs in a container on the default podman service.
	podman bool
}

// needsOf reads from a plan the host programs its stages run (the argv
// each stage kind builds: stages/<kind>/argv.go) and whether any runs in a
// container. Stages in a container need nothing of the host but podman.
func needsOf(plan *engine.Plan) recipeNeeds {
	needs := recipeNeeds{tools: map[string]string{}}
	need := func(tool string, n *engine.Node) {
		if _, ok := needs.tools[tool]; !ok {
			needs.tools[tool] = fmt.Sprintf("stage %s [%s] (%s)", n.Name, n.Arch, n.Kind.Name)
		}
	}
	for _, n := range plan.Nodes {
		if n.Container != nil {
			needs.podman = needs.podman || n.Container.Connection == ""
			continue
		}
		switch n.Kind.Name {
		case "guest-install", "boot-verify":
			for _, arch := range n.Arches {
				need(qemu.Binary(arch), n)
			}
			need("qemu-img", n)
		case "convert":
			need("qemu-img", n)
			for _, f := range configStrings(n.Config, "formats") {
				switch {
				case strings.HasSuffix(f, "-xz"):
					need("xz", n)
				case strings.Contains(f, "squashfs"):
					need("mksquashfs", n)
				case f == "tar-gz" || strings.Contains(f, "ova") || strings.HasPrefix(f, "vagrant") || f == "docker":
					need("tar", n)
				}
			}
		case "fetch-ks":
			if u := configStrings(n.Config, "url"); len(u) == 1 && strings.Contains(u[0], "git") {
				need("git", n)
			}
		}
	}
	return needs
}

// configStrings returns a known string or list of strings attribute of a
// stage's configuration.
func configStrings(cfg cty.Value, name string) []string {
	if !cfg.IsKnown() || cfg.IsNull() || !cfg.Type().IsObjectType() || !cfg.Type().HasAttribute(name) {
		return nil
	}
	v := cfg.GetAttr(name)
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}
	}
	if !v.CanIterateElements() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		if _, e := it.Element(); e.Type() == cty.String && !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

// checkStore checks that the store directory, or the directory it would
// be made in, can be written and has room. It creates nothing that stays.
func checkStore(dir string) finding {
	f := finding{Check: "store", Detail: dir}
	existing := dir
	for {
		if _, err := os.Stat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		existing = parent
	}
	if existing != dir {
		f.Detail += " (not made yet)"
	}
	tmp, err := os.CreateTemp(existing, ".imgpipe-doctor-")
	if err != nil {
		f.Status, f.Detail = statusFail, fmt.Sprintf("%s: cannot write in %s: %v", dir, existing, errors.Unwrap(err))
		f.Fix = "name a writable directory with --store or $IMGPIPE_STORE"
		return f
	}
	tmp.Close()
	os.Remove(tmp.Name())
	var st syscall.Statfs_t
	if err := syscall.Statfs(existing, &st); err == nil {
		free := st.Bavail * uint64(st.Bsize)
		f.Detail += fmt.Sprintf(", %.1f GiB free", float64(free)/(1<<30))
		// A disk image, its conversions and the published copy add up.
		if free < 10<<30 {
			f.Status, f.Fix = statusWarn, "image builds need several GiB: free some space or use another --store"
			return f
		}
	}
	f.Status = statusOK
	return f
}

// checkTool looks for a host program and asks it its version.
func checkTool(ctx context.Context, t hostTool) finding {
	f := finding{Check: t.name}
	path, err := exec.LookPath(t.name)
	if err != nil {
		f.Status = statusWarn
		f.Detail = "not found; needed by " + t.usedBy
		f.Fix = "apt-get install " + t.pkg + " (Debian; the package has another name elsewhere)"
		return f
	}
	f.Status, f.Detail = statusOK, path
	vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Every tool here prints its version with --version, first line first.
	if out, err := exec.CommandContext(vctx, path, "--version").Output(); err == nil {
		if line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n"); line != "" {
			f.Detail += ": " + line
		}
	}
	return f
}

// checkGetter finds imgpipe-getter as fetch-ks would and asks it to
// expand a shorthand, which proves it runs and speaks this imgpipe's
// protocol.
func checkGetter(ctx context.Context) finding {
	f := finding{Check: gogetter.HelperName}
	path, err := gogetter.Find()
	if err != nil {
		f.Status, f.Detail = statusWarn, err.Error()
		var nf *gogetter.NotFoundError
		if errors.As(err, &nf) {
			f.Detail = "not found beside imgpipe nor on PATH; fetch-ks needs it for git, http(s), s3, gcs and hg sources"
		}
		f.Fix = "go install github.com/imgpipe/imgpipe/cmd/... (or go tool task build), or set " + gogetter.EnvHelper
		return f
	}
	vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := (gogetter.Runner{Path: path}).Detect(vctx, "git@example.org:probe.git", "/"); err != nil {
		f.Status, f.Detail = statusWarn, path+": "+err.Error()
		f.Fix = "install imgpipe and imgpipe-getter from one build: go install github.com/imgpipe/imgpipe/cmd/..."
		return f
	}
	f.Status, f.Detail = statusOK, path
	return f
}

func checkFirmware(arch, code, pkg string) finding {
	f := finding{Check: "uefi firmware " + arch}
	if _, err := os.Stat(code); err != nil {
		f.Status = statusWarn
		f.Detail = code + " not found; firmware = \"uefi\" cannot boot " + arch
		f.Fix = "apt-get install " + pkg
		return f
	}
	f.Status, f.Detail = statusOK, code
	return f
}

// checkKVM runs the same bounded probe as accel = "auto".
func checkKVM(ctx context.Context) finding {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	f := finding{Check: "kvm"}
	if arch == "" {
		f.Status, f.Detail = statusWarn, "no KVM probe for "+runtime.GOARCH+"; VMs run under TCG"
		return f
	}
	scratch, err := os.MkdirTemp("", "imgpipe-doctor-")
	if err != nil {
		f.Status, f.Detail = statusWarn, err.Error()
		return f
	}
	defer os.RemoveAll(scratch)
	accel, reason := qemu.ResolveAccel(ctx, executor.Host{}, "auto", arch, scratch)
	if accel == "kvm" {
		f.Status, f.Detail = statusOK, "KVM works: VMs run at native speed"
		return f
	}
	f.Status = statusWarn
	f.Detail = reason + "; VMs run under TCG (emulation), installs take many times longer"
	switch {
	case strings.Contains(reason, qemu.QemuSays):
		// /dev/kvm opens, so permissions and nesting are not the problem:
		// qemu's KVM fails, and its own words above say how.
		f.Fix = "qemu cannot run guests on this machine's KVM (its error is quoted above; an MSR it cannot set means the hypervisor this machine runs in refuses what -cpu host needs). " +
			"Builds work under TCG, only slower; for KVM, run on bare metal or a host whose nested KVM passes the CPU through, or set accel = \"tcg\" to skip the probe"
	case strings.Contains(reason, "/dev/kvm"):
		f.Fix = "enable KVM: load kvm_intel or kvm_amd (nested virtualisation on, in a VM) and add the user to group kvm; builds work under TCG, only slower"
	default:
		f.Fix = "builds work under TCG, only slower; set accel = \"tcg\" to skip the probe"
	}
	return f
}

// checkPodman connects to a podman service as a container stage would.
func checkPodman(ctx context.Context, name, connection, identity string) finding {
	f := finding{Check: name}
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	uri, version, err := pingPodman(pctx, connection, identity)
	switch {
	case errors.Is(err, errNoPodman):
		f.Status, f.Detail = statusWarn, err.Error()
	case err != nil:
		f.Status = statusWarn
		f.Detail = fmt.Sprintf("%v; chroot, livemedia and appliance stages (and stages routed there) cannot run", err)
		if connection == "" {
			f.Fix = "start the service (systemctl enable --now podman.socket) or set CONTAINER_HOST"
		} else {
			f.Fix = "see docs/remote-builders.md"
		}
	default:
		f.Status, f.Detail = statusOK, fmt.Sprintf("podman %s at %s", version, uri)
	}
	return f
}

// checkCaches checks the team caches a run with the same recipe and flags
// would use (docs/team-cache.md): the one it pulls from and the one it
// pushes to, once each.
func checkCaches(ctx context.Context, cf cacheFlags, block *recipe.Cache) []finding {
	fromRef, toRef := cf.refs(block)
	parseRef := func(s string) *cacheref.Ref {
		if s == "" || s == "none" {
			return nil
		}
		ref, err := cacheref.ParseRef(s) // checked by the recipe and cf.check
		if err != nil {
			return nil
		}
		return &ref
	}
	from, to := parseRef(fromRef), parseRef(toRef)
	if from != nil && to != nil && *from == *to {
		return []finding{checkCache(ctx, *to, true)}
	}
	var found []finding
	if from != nil {
		found = append(found, checkCache(ctx, *from, false))
	}
	if to != nil {
		found = append(found, checkCache(ctx, *to, true))
	}
	return found
}

// checkCache asks a team cache what a run would: that it answers and lets
// this machine read it, and, for a cache the run pushes to, that it
// accepts a push (oci.Cache.Check). It says whose credentials are sent. A
// cache that fails is a warning: a run builds without it.
func checkCache(ctx context.Context, ref cacheref.Ref, push bool) finding {
	f := finding{Check: "cache " + ref.String(), Status: statusWarn}
	fix := fmt.Sprintf("start the registry, or log in (podman login %s, or docker login) as an account that may read the repository", ref.Host)
	if push {
		fix += " and push to it"
	}
	fix += "; see docs/team-cache.md"
	creds, err := ociclient.CredentialsFile(ctx, ref.Host)
	if err != nil {
		f.Detail, f.Fix = err.Error(), fix
		return f
	}
	who := "no credentials for " + ref.Host + " in Docker's or Podman's files: anonymous"
	if creds != "" {
		who = "credentials from " + creds
	}
	c, err := oci.Open(ref)
	if err == nil {
		err = c.Check(ctx, push)
	}
	if err != nil {
		f.Detail, f.Fix = fmt.Sprintf("%v (%s); a run builds without it", err, who), fix
		return f
	}
	f.Status, f.Detail = statusOK, "answers, read-only (a run pulls from it); "+who
	if push {
		f.Detail = "answers and accepts a push; " + who
	}
	return f
}
