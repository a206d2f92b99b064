//go:build remote

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// The livemedia and appliance presets end to end: the real CLI runs a
// recipe against a private podman service, in a build root made from
// testdata/buildroot, whose livemedia-creator, appliance-creator and dnf
// are test doubles (testdata/buildroot/README.md). The argv the doubles
// receive is compared with goldens written by hand from
// docs/koji-behaviour.md#livemedia and #appliance (testdata/koji); everything else is imgpipe's real code.

// buildrootImage is the test build root's name in the podman service.
const buildrootImage = "localhost/koji-buildroot:test"

// livemediaGroup and applianceGroup are Koji's livemedia-build and
// appliance-build groups (docs/koji-behaviour.md#livemedia-build-root), as the build root's
// package manager must be asked for them.
var (
	livemediaGroup = []string{"bash", "coreutils", "glibc-all-langpacks", "lorax-lmc-novirt", "selinux-policy-targeted", "shadow-utils", "util-linux"}
	applianceGroup = []string{"appliance-tools", "bash", "coreutils", "grub2", "parted", "perl", "policycoreutils", "selinux-policy", "shadow-utils", "sssd-client"}
)

// importBuildroot makes the test build root (busybox plus the doubles) and
// imports it into svc.
func importBuildroot(t *testing.T, svc *podmantest.Service) {
	t.Helper()
	root := podmantest.BusyboxRootfs(t)
	err := filepath.WalkDir("testdata/buildroot", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/buildroot", p)
		if rel == "." || rel == "README.md" {
			return nil
		}
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o755)
	})
	if err != nil {
		t.Fatal(err)
	}
	svc.Import(t, root, buildrootImage)
}

// gitRepo commits files into a new repository under dir and returns its
// path and the commit.
func gitRepo(t *testing.T, dir string, files map[string]string) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git not found: run scripts/install-deps (go tool task deps)")
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "test")
	return dir, git("rev-parse", "HEAD")
}

// runImgpipe runs the CLI with CONTAINER_HOST pointing at svc and returns
// its combined output; it fails t unless the exit status is want.
func runImgpipe(t *testing.T, svc *podmantest.Service, want int, args ...string) string {
	t.Helper()
	cmd := imgpipeCmd(args...)
	cmd.Env = append(cmd.Env, "CONTAINER_HOST="+svc.URI)
	out, err := cmd.CombinedOutput()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("imgpipe %s: exit status %d, want %d\n%s", strings.Join(args, " "), got, want, out)
	}
	return string(out)
}

// readGolden reads a hand-written argv golden: one argument per line after
// the leading "# " comment lines.
func readGolden(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/koji", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		lines = lines[1:]
	}
	return lines
}

// recordedArgv is the argv a test double wrote into its log.
func recordedArgv(t *testing.T, log string) []string {
	t.Helper()
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var argv []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "argv: "); ok {
			argv = append(argv, a)
		}
	}
	if len(argv) == 0 {
		t.Fatalf("%s records no argv", log)
	}
	return argv
}

// installed is the package list the dnf double recorded in a dnf.log.
func installed(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("the build root's package log was not published: %v", err)
	}
	var pkgs []string
	for line := range strings.Lines(string(b)) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "Installed: "); ok {
			pkgs = append(pkgs, p)
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// isoVolumeID reads an ISO 9660 image's primary volume descriptor (sector
// 16) and returns its volume ID, failing t if the file is not ISO 9660.
func isoVolumeID(t *testing.T, iso string) string {
	t.Helper()
	b, err := os.ReadFile(iso)
	if err != nil {
		t.Fatal(err)
	}
	const sector = 2048
	if len(b) < 18*sector || len(b)%sector != 0 {
		t.Fatalf("%s: %d bytes is no ISO 9660 image", iso, len(b))
	}
	pvd := b[16*sector : 17*sector]
	if pvd[0] != 1 || string(pvd[1:6]) != "CD001" {
		t.Fatalf("%s: no primary volume descriptor at sector 16", iso)
	}
	// The volume space size (both-endian at 80) must be the file's size.
	if n := int(pvd[80]) | int(pvd[81])<<8 | int(pvd[82])<<16 | int(pvd[83])<<24; n*sector != len(b) {
		t.Errorf("%s: volume space of %d sectors in a %d-byte file", iso, n, len(b))
	}
	return strings.TrimRight(string(pvd[40:72]), " ")
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func mustExist(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing: %v", err)
		}
	}
}

// noContainersLeft fails t if the service still has containers: the
// executor removes each one, whatever happened.
func noContainersLeft(t *testing.T, svc *podmantest.Service) {
	t.Helper()
	if cs := svc.Containers(t); len(cs) > 0 {
		t.Errorf("%d containers left behind: %+v", len(cs), cs)
	}
}

const livemediaKickstart = `# The live kickstart of the livemedia end-to-end test.
%include base.ks
part / --size=5120 --fstype=ext4

%packages
kernel
dracut-live
%end
`

const livemediaBase = `lang en_US.UTF-8
keyboard us
timezone UTC --utc
rootpw --lock
network --bootproto=dhcp --device=link --activate
bootloader --timeout=1 --append="rd.live.image quiet"
repo --name=from-the-kickstart --baseurl=https://example.org/own/
`

// TestLivemediaEndToEnd builds a two-arch livemedia with every option
// that reaches livemedia-creator: a ksurl kickstart whose %include holds
// bootloader --append, repos replacing the kickstart's, install_tree_url,
// a derived volume ID longer than 32 characters, lorax_url and lorax_dir,
// squashfs_only and compress_arg.
func TestLivemediaEndToEnd(t *testing.T) {
	svc := podmantest.Start(t)
	importBuildroot(t, svc)
	dir := t.TempDir()
	ksRepo, ksRev := gitRepo(t, filepath.Join(dir, "kickstarts.git"), map[string]string{
		"live/fedora-live.ks": livemediaKickstart,
		"live/base.ks":        livemediaBase,
	})
	loraxRepo, loraxRev := gitRepo(t, filepath.Join(dir, "lorax-templates.git"), map[string]string{
		"templates/live/live-install.tmpl": "## lorax template (test)\n",
	})
	recipe := filepath.Join(dir, "recipe", "live.hcl")
	// A quote in the store's path reaches the build root's script.
	store := filepath.Join(dir, "o'store")
	src := `livemedia "Fedora-Scientific_KDE-Live-Extended" {
  version          = "41"
  release          = "1.23"
  arches           = ["x86_64", "aarch64"]
  ksurl            = "git+file://` + ksRepo + `?live#` + ksRev + `"
  kickstart        = "fedora-live.ks"
  install_tree_url = "https://example.org/41/Everything/${arch}/os/"
  repo             = ["https://example.org/41/Everything/$basearch/os/"]
  lorax_url        = "git+file://` + loraxRepo + `?templates#` + loraxRev + `"
  lorax_dir        = "live"
  squashfs_only    = true
  compress_arg     = ["-Xbcj x86", "-b 1M"]
  buildroot_image  = "` + buildrootImage + `"
}
`
	if err := os.MkdirAll(filepath.Dir(recipe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recipe, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	out := runImgpipe(t, svc, 0, "run", "--progress", "plain", "--store", store, recipe)
	// The test build root is an amd64 image: aarch64's stage says so.
	if strings.Count(out, "the build root image is built for amd64, but this stage builds aarch64") != 1 ||
		strings.Contains(out, "this stage builds x86_64") {
		t.Errorf("want one warning, for aarch64, about the build root's arch:\n%s", out)
	}
	// One build root serves both arches: prepared once, then reused.
	if strings.Count(out, ": prepared") != 1 || strings.Count(out, ": reused") != 1 {
		t.Errorf("the build root was not prepared once and reused once:\n%s", out)
	}
	// A rerun takes every stage from the cache; upload finds the build up
	// to date.
	if out := runImgpipe(t, svc, 0, "run", "--progress", "plain", "--store", store, recipe); !strings.Contains(out, "succeeded: 2 done, 6 cached") {
		t.Errorf("the rerun did more than check the published build:\n%s", out)
	}
	noContainersLeft(t, svc)

	const name, version, release = "Fedora-Scientific_KDE-Live-Extended", "41", "1.23"
	build := filepath.Join(store, "builds", name, version, release)
	var meta struct {
		NVR    string   `json:"nvr"`
		Arches []string `json:"arches"`
	}
	readJSON(t, filepath.Join(build, "metadata.json"), &meta)
	if meta.NVR != name+"-"+version+"-"+release || !slices.Equal(meta.Arches, []string{"aarch64", "x86_64"}) {
		t.Errorf("metadata.json: nvr %q, arches %v", meta.NVR, meta.Arches)
	}
	for _, arch := range []string{"x86_64", "aarch64"} {
		t.Run(arch, func(t *testing.T) {
			// Koji's livemedia ISO name, N-arch-V-R.iso, with the
			// volume ID livemedia-creator was given.
			iso := filepath.Join(build, "images", name+"-"+arch+"-"+version+"-"+release+".iso")
			if got, want := isoVolumeID(t, iso), "Fedora-SciK-Live-Extended-41-1.2"; got != want {
				t.Errorf("ISO volume ID %q, want %q", got, want)
			}
			logs := filepath.Join(build, "data", "logs", arch, "logs")
			got := recordedArgv(t, filepath.Join(logs, "livemedia-out.log"))
			if diff := cmp.Diff(readGolden(t, "livemedia-"+arch+".argv"), got); diff != "" {
				t.Errorf("livemedia-creator argv (-golden +recorded):\n%s", diff)
			}
			// Koji uploads the non-empty logs of the log directory and the
			// anaconda logs as anaconda-<name>.log.
			mustExist(t, filepath.Join(logs, "program.log"),
				filepath.Join(logs, "anaconda-anaconda.log"), filepath.Join(logs, "anaconda-packaging.log"))
			if _, err := os.Stat(filepath.Join(logs, "virt-install.log")); err == nil {
				t.Error("the empty virt-install.log was published; Koji uploads non-empty logs only")
			}
			// The build root was made with Koji's livemedia-build group,
			// by the image's package manager (the dnf double).
			if diff := cmp.Diff(livemediaGroup, installed(t, filepath.Join(logs, "dnf.log"))); diff != "" {
				t.Errorf("build root packages (-want +got):\n%s", diff)
			}
			// The kickstart was flattened and rewritten as Koji does: the
			// %include inlined, the repos replaced, url set.
			rewritten := publishedKickstart(t, build, arch, "fedora-live.ks")
			for _, want := range []string{
				`repo --name="koji-override-0" --baseurl=https://example.org/41/Everything/$basearch/os/`,
				`url --url="https://example.org/41/Everything/` + arch + `/os/"`,
				`--append="rd.live.image quiet"`,
			} {
				if !strings.Contains(rewritten, want) {
					t.Errorf("the rewritten kickstart lacks %s:\n%s", want, rewritten)
				}
			}
			if strings.Contains(rewritten, "from-the-kickstart") || strings.Contains(rewritten, "%include") {
				t.Errorf("the rewritten kickstart keeps its own repo or %%include:\n%s", rewritten)
			}
		})
	}
	sums := exec.Command("sha256sum", "--strict", "-c", "SHA256SUMS")
	sums.Dir = build
	if out, err := sums.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}

	out = runImgpipe(t, svc, 0, "builds", "--store", store)
	if !strings.Contains(out, name+"-"+version+"-"+release) || !strings.Contains(out, "aarch64,x86_64") {
		t.Errorf("imgpipe builds does not list the build:\n%s", out)
	}
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// unxz decompresses an .xz file with the host's xz, failing t if it is not
// one.
func unxz(t *testing.T, path string) []byte {
	t.Helper()
	out, err := exec.Command("xz", "-dc", path).Output()
	if err != nil {
		t.Fatalf("xz -dc %s: %v", path, err)
	}
	return out
}

// publishedKickstart returns the rewritten kickstart published for arch:
// the one of data/kickstarts/<arch>/ that is not the original.
func publishedKickstart(t *testing.T, build, arch, base string) string {
	t.Helper()
	dir := filepath.Join(build, "data", "kickstarts", arch)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("no kickstarts published: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if e.Name() == base {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no %s among the published kickstarts %v", base, names)
	return ""
}

const applianceKickstart = `lang en_US.UTF-8
keyboard us
timezone UTC --utc
rootpw --lock
network --bootproto=dhcp --device=link --activate
bootloader --timeout=1
zerombr
clearpart --all --initlabel
part / --fstype=ext4 --size=2048 --label=root
repo --name=from-the-kickstart --baseurl=https://example.org/own/

%packages
kernel
%end
`

// TestApplianceEndToEnd builds an appliance from a local kickstart without
// a release, then a scratch one, and checks that one without a /
// partition fails before any container runs, with Koji's reason.
//
// Without release the build gets the hub's next release, 1 for the first
// build of N-V (koji hub get_next_release; kojid BuildApplianceTask.handler
// passes bld_info['release'] to createAppliance), and appliance-creator
// gets --name N-V-1 --release 1 (kojid ApplianceTask.handler). Koji's
// scratch build without --release passes release None on ("--release
// None"); imgpipe names it with the next release, as Koji does for
// image-build and livecd scratch builds (BuildLiveCDTask.handler:
// getNextRelease). The disk is published as appliance-creator leaves it,
// xz-compressed: N-V-R-sda.raw.xz (appliance-tools appcreate/appliance.py
// _stage_final_image; Koji runs it without --no-compress).
func TestApplianceEndToEnd(t *testing.T) {
	svc := podmantest.Start(t)
	importBuildroot(t, svc)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	recipe := func(ks string, extra string) string {
		return `appliance "test-appliance" {
  version         = "41"` + extra + `
  arches          = ["x86_64"]
  kickstart       = "` + ks + `"
  repo            = ["https://example.org/41/Everything/$basearch/os/"]
  vmem            = "2048"
  vcpu            = "2"
  buildroot_image = "` + buildrootImage + `"
}
`
	}
	write("ks/appliance.ks", applianceKickstart)
	good := write("appliance.hcl", recipe("ks/appliance.ks", ""))
	scratch := write("scratch.hcl", recipe("ks/appliance.ks", "\n  scratch         = true"))
	write("noroot/appliance.ks", strings.Replace(applianceKickstart, "part / --fstype=ext4 --size=2048 --label=root\n", "part /home --size=100\n", 1))
	bad := write("noroot.hcl", recipe("noroot/appliance.ks", ""))

	runImgpipe(t, svc, 0, "run", "--progress", "plain", "--store", store, good)
	noContainersLeft(t, svc)
	build := filepath.Join(store, "builds", "test-appliance", "41", "1")
	mustExist(t, filepath.Join(build, "metadata.json"))
	if diff := cmp.Diff([]string{"test-appliance-41-1-sda.raw.xz", "test-appliance-41-1.xml"}, dirNames(t, filepath.Join(build, "images"))); diff != "" {
		t.Errorf("published images (-want +got):\n%s", diff)
	}
	b := unxz(t, filepath.Join(build, "images", "test-appliance-41-1-sda.raw.xz"))
	if !bytes.HasPrefix(b, []byte(`part / --fstype="ext4" --size=2048 --label="root"`+"\n")) {
		t.Errorf("the disk does not come from the rewritten kickstart: %q", b[:min(len(b), 80)])
	}
	xml, err := os.ReadFile(filepath.Join(build, "images", "test-appliance-41-1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<memory>2097152</memory>", "<name version='41' release='1'>test-appliance-41-1</name>", "<disk file='test-appliance-41-1-sda.raw' use='system' format='raw'/>"} {
		if !bytes.Contains(xml, []byte(want)) {
			t.Errorf("the libvirt description lacks %s:\n%s", want, xml)
		}
	}
	logs := filepath.Join(build, "data", "logs", "x86_64", "logs")
	if diff := cmp.Diff(readGolden(t, "appliance.argv"), recordedArgv(t, filepath.Join(logs, "appliance.log"))); diff != "" {
		t.Errorf("appliance-creator argv (-golden +recorded):\n%s", diff)
	}
	if diff := cmp.Diff(applianceGroup, installed(t, filepath.Join(logs, "dnf.log"))); diff != "" {
		t.Errorf("build root packages (-want +got):\n%s", diff)
	}
	rewritten := publishedKickstart(t, build, "x86_64", "appliance.ks")
	if !strings.Contains(rewritten, `repo --name="koji-override-0"`) || strings.Contains(rewritten, "from-the-kickstart") {
		t.Errorf("the kickstart's repos were not replaced:\n%s", rewritten)
	}
	out := runImgpipe(t, svc, 0, "builds", "--store", store)
	if !strings.Contains(out, "test-appliance-41-1") {
		t.Errorf("imgpipe builds does not list the build:\n%s", out)
	}

	// A scratch build without release, in a store of its own: named with
	// the next release, 1, and published under scratch/.
	scratchStore := filepath.Join(dir, "scratch-store")
	runImgpipe(t, svc, 0, "run", "--progress", "plain", "--store", scratchStore, scratch)
	images, _ := filepath.Glob(filepath.Join(scratchStore, "scratch", "*", "*", "images", "*"))
	var names []string
	for _, p := range images {
		names = append(names, filepath.Base(p))
	}
	if diff := cmp.Diff([]string{"test-appliance-41-1-sda.raw.xz", "test-appliance-41-1.xml"}, names); diff != "" {
		t.Errorf("scratch images (-want +got):\n%s", diff)
	}
	if logs, _ := filepath.Glob(filepath.Join(scratchStore, "scratch", "*", "*", "data", "logs", "x86_64", "logs", "appliance.log")); len(logs) != 1 {
		t.Errorf("the scratch build published %d appliance.log, want 1", len(logs))
	} else if diff := cmp.Diff(readGolden(t, "appliance.argv"), recordedArgv(t, logs[0])); diff != "" {
		t.Errorf("scratch appliance-creator argv (-golden +recorded):\n%s", diff)
	}

	// Koji finds the / partition missing only after the build; imgpipe's
	// flatten stage refuses the kickstart before the build root is made.
	out = runImgpipe(t, svc, 1, "run", "--progress", "plain", "--store", filepath.Join(dir, "store2"), bad)
	if !strings.Contains(out, `kickstart lacks a "/" mountpoint`) {
		t.Errorf("no / partition: the run does not say Koji's reason:\n%s", out)
	}
	if strings.Contains(out, "appliance (chroot)") && !strings.Contains(out, "SKIPPED") {
		t.Errorf("the chroot stage ran without a / partition:\n%s", out)
	}
	noContainersLeft(t, svc)
}

// TestLivemediaToolFails: when livemedia-creator fails (the double fails
// the install of a package the repos lack), the stage fails with the
// tool's status and the end of its log, nothing is published and no
// container is left.
func TestLivemediaToolFails(t *testing.T) {
	svc := podmantest.Start(t)
	importBuildroot(t, svc)
	dir := t.TempDir()
	ks := strings.Replace(livemediaKickstart, "%include base.ks\n", livemediaBase, 1)
	ks = strings.Replace(ks, "dracut-live\n", "dracut-live\nno-such-package-here\n", 1)
	if err := os.MkdirAll(filepath.Join(dir, "ks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ks", "live.ks"), []byte(ks), 0o644); err != nil {
		t.Fatal(err)
	}
	recipe := filepath.Join(dir, "live.hcl")
	src := `livemedia "broken-live" {
  version          = "41"
  release          = "1"
  arches           = ["x86_64"]
  kickstart        = "ks/live.ks"
  install_tree_url = "https://example.org/41/Everything/${arch}/os/"
  repo             = ["https://example.org/41/Everything/$basearch/os/"]
  buildroot_image  = "` + buildrootImage + `"
}
`
	if err := os.WriteFile(recipe, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	out := runImgpipe(t, svc, 1, "run", "--progress", "plain", "--store", store, recipe)
	for _, want := range []string{
		"livemedia-creator failed (exit 1); the end of livemedia-out.log:",
		"ERROR: The installation failed: package no-such-package-here not found (test double)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the run's output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(store, "builds", "broken-live", "41", "1", "metadata.json")); err == nil {
		t.Error("a build was published although livemedia-creator failed")
	}
	noContainersLeft(t, svc)
}

// TestLivecdEndToEnd builds a spin-livecd without a release. imgpipe
// builds it with livemedia-creator, as the livemedia preset does (same
// argv), and publishes the ISO as Koji's spin-livecd does: N-V-R.iso (kojid
// LiveCDTask.handler: isoname = '%s-%s-%s' % (name, version, release),
// uploaded as isoname + '.iso'), with R the hub's next release, 1 (kojid
// BuildLiveCDTask.handler: getNextRelease), and the volume ID
// _shortenVolID gives for that N-V-R.
func TestLivecdEndToEnd(t *testing.T) {
	svc := podmantest.Start(t)
	importBuildroot(t, svc)
	dir := t.TempDir()
	// spin-livecd has no --install-tree-url: the kickstart names its url.
	ks := strings.Replace(livemediaKickstart, "%include base.ks\n", livemediaBase+"url --url=https://example.org/41/Everything/x86_64/os/\n", 1)
	if err := os.MkdirAll(filepath.Join(dir, "ks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ks", "live.ks"), []byte(ks), 0o644); err != nil {
		t.Fatal(err)
	}
	recipe := filepath.Join(dir, "livecd.hcl")
	src := `livecd "Fedora-Workstation-Live" {
  version         = "41"
  arches          = ["x86_64"]
  kickstart       = "ks/live.ks"
  repo            = ["https://example.org/41/Everything/$basearch/os/"]
  buildroot_image = "` + buildrootImage + `"
}
`
	if err := os.WriteFile(recipe, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	out := runImgpipe(t, svc, 0, "run", "--progress", "plain", "--store", store, recipe)
	if !strings.Contains(out, "livecd is built as livemedia") {
		t.Errorf("no warning that livecd is built as livemedia:\n%s", out)
	}
	noContainersLeft(t, svc)
	build := filepath.Join(store, "builds", "Fedora-Workstation-Live", "41", "1")
	if diff := cmp.Diff([]string{"Fedora-Workstation-Live-41-1.iso"}, dirNames(t, filepath.Join(build, "images"))); diff != "" {
		t.Errorf("published images (-want +got):\n%s", diff)
	}
	if got, want := isoVolumeID(t, filepath.Join(build, "images", "Fedora-Workstation-Live-41-1.iso")), "Fedora-WS-Live-41-1"; got != want {
		t.Errorf("ISO volume ID %q, want %q", got, want)
	}
	argv := recordedArgv(t, filepath.Join(build, "data", "logs", "x86_64", "logs", "livemedia-out.log"))
	for i, want := range map[string]string{"--volid": "Fedora-WS-Live-41-1", "--iso-name": "Fedora-Workstation-Live-x86_64-41-1.iso"} {
		if j := slices.Index(argv, i); j < 0 || j+1 >= len(argv) || argv[j+1] != want {
			t.Errorf("livemedia-creator %s: argv %q, want %s", i, argv, want)
		}
	}
}
