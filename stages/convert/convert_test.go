package convert_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/stages/convert"
)

// The build every test converts for: file names are test-image-1-2.x86_64.*.
var build = kind.Build{Name: "test-image", Version: "1", Release: "2"}

const (
	arch  = "x86_64"
	base  = "test-image-1-2.x86_64"
	hello = "hello from the disk\n"
	// diskMiB is the test disk's size; its one partition starts at 1 MiB.
	diskMiB   = 64
	partStart = 1 << 20
)

// tool finds a command the tests need (also in the sbin directories) or
// fails, naming the script that installs it.
func tool(t testing.TB, name string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/sbin/" + name} {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	t.Fatalf("%s not found: run scripts/install-deps (go tool task deps)", name)
	return ""
}

// sh runs a command and returns its standard output; it fails t if the
// command fails.
func sh(t testing.TB, argv ...string) string {
	t.Helper()
	c := exec.Command(tool(t, argv[0]), argv[1:]...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// testDisk is a raw disk with an MBR and one ext4 partition holding a
// busybox root file system and a few files to find again.
type testDisk struct {
	path string
	size int64
}

// partition returns the bytes of the disk's partition.
func (d testDisk) partition(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(d.path)
	if err != nil {
		t.Fatal(err)
	}
	return b[partStart:]
}

func makeDisk(t testing.TB) testDisk {
	t.Helper()
	tree := podmantest.BusyboxRootfs(t)
	write := func(name, data string, mode os.FileMode) {
		p := filepath.Join(tree, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/hello", hello, 0o644)
	write("etc/fstab", "LABEL=root / ext4 defaults 0 1\n", 0o644)
	write("etc/os-release", "NAME=Test\nID=test\n", 0o644)
	write("usr/bin/suid", "#!/bin/sh\n", 0o755|os.ModeSetuid)
	write("home/user/owned", "mine\n", 0o640)
	if os.Geteuid() == 0 {
		for _, p := range []string{"home/user", "home/user/owned"} {
			if err := os.Lchown(filepath.Join(tree, p), 1234, 5678); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Link(filepath.Join(tree, "etc/hello"), filepath.Join(tree, "etc/hello-again")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	part := filepath.Join(dir, "root.ext4")
	disk := filepath.Join(dir, "disk.raw")
	for p, size := range map[string]int64{part: (diskMiB - 1) << 20, disk: diskMiB << 20} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
	}
	sh(t, "mkfs.ext4", "-q", "-F", "-L", "root", "-d", tree, part)
	c := exec.Command(tool(t, "sfdisk"), "--no-reread", "--no-tell-kernel", "-q", disk)
	c.Stdin = strings.NewReader("label: dos\nstart=2048, type=83\n")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	sh(t, "dd", "if="+part, "of="+disk, "bs=1M", "seek=1", "conv=notrunc,sparse", "status=none")
	return testDisk{path: disk, size: diskMiB << 20}
}

// settings are a convert stage's attributes.
type settings struct {
	formats     []string
	ova         map[string]string
	factory     map[string]string
	vagrantfile string
	compat      string
}

func strMap(m map[string]string) cty.Value {
	if m == nil {
		return cty.NullVal(cty.Map(cty.String))
	}
	if len(m) == 0 {
		return cty.MapValEmpty(cty.String)
	}
	vals := map[string]cty.Value{}
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.MapVal(vals)
}

func (s settings) value(disk string) cty.Value {
	var formats []cty.Value
	for _, f := range s.formats {
		formats = append(formats, cty.StringVal(f))
	}
	vf := cty.NullVal(cty.String)
	if s.vagrantfile != "" {
		vf = cty.StringVal(s.vagrantfile)
	}
	compat := s.compat
	if compat == "" {
		compat = "0.10"
	}
	return cty.ObjectVal(map[string]cty.Value{
		"disk":         cty.StringVal(disk),
		"formats":      cty.ListVal(formats),
		"ova":          strMap(s.ova),
		"factory":      strMap(s.factory),
		"vagrantfile":  vf,
		"qcow2_compat": cty.StringVal(compat),
	})
}

// result is what a convert stage made.
type result struct {
	out       string            // the output directory
	artifacts map[string]string // format → absolute path
	libvirt   map[string]string
	log       string
}

// stage returns a convert stage instance as the engine makes it, with the
// host executor.
func stage(t testing.TB, disk string, s settings, b kind.Build) (*kind.Stage, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	return &kind.Stage{
		Name: "images", Kind: "convert", Arch: arch, ID: "sha256:0123456789abcdef",
		Config:    s.value(disk),
		RecipeDir: t.TempDir(),
		OutDir:    t.TempDir(),
		Scratch:   t.TempDir(),
		Build:     b,
		Exec:      executor.Host{},
		Log:       &log,
	}, &log
}

func runConvert(t testing.TB, disk string, s settings) result {
	t.Helper()
	st, log := stage(t, disk, s, build)
	outs, err := convert.Kind.Run(context.Background(), st)
	if err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, log)
	}
	r := result{out: st.OutDir, artifacts: map[string]string{}, libvirt: map[string]string{}, log: log.String()}
	for name, m := range map[string]map[string]string{"artifacts": r.artifacts, "libvirt": r.libvirt} {
		v, ok := outs[name]
		if !ok || v.IsNull() || !v.Type().Equals(cty.Map(cty.String)) {
			t.Fatalf("output %s: %#v", name, v)
		}
		for k, e := range v.AsValueMap() {
			rel := e.AsString()
			if filepath.IsAbs(rel) || strings.Contains(rel, "/") {
				t.Errorf("output %s[%s] = %q: not a file name in the output directory", name, k, rel)
			}
			m[k] = filepath.Join(st.OutDir, rel)
			if _, err := os.Stat(m[k]); err != nil {
				t.Errorf("output %s[%s]: %v", name, k, err)
			}
		}
	}
	// The private scratch directory is gone.
	if left, _ := os.ReadDir(st.Scratch); len(left) > 0 {
		t.Errorf("scratch not cleaned up: %v", left)
	}
	return r
}

// Koji's file names, written out (docs/koji-behaviour.md#image-formats-and-file-names).
var kojiNames = map[string]string{
	"raw":                   base + ".raw",
	"raw-xz":                base + ".raw.xz",
	"qcow":                  base + ".qcow",
	"qcow2":                 base + ".qcow2",
	"vmdk":                  base + ".vmdk",
	"vdi":                   base + ".vdi",
	"vpc":                   base + ".vhd",
	"vhdx":                  base + ".vhdx",
	"tar-gz":                base + ".tar.gz",
	"liveimg-squashfs":      base + ".liveimg.squashfs",
	"docker":                base + ".tar.xz",
	"rhevm-ova":             base + ".rhevm.ova",
	"vsphere-ova":           base + ".vsphere.ova",
	"vagrant-libvirt":       base + ".vagrant-libvirt.box",
	"vagrant-virtualbox":    base + ".vagrant-virtualbox.box",
	"vagrant-vmware-fusion": base + ".vagrant-vmware-fusion.box",
	"vagrant-hyperv":        base + ".vagrant-hyperv.box",
}

// qemu-img's names of the disk formats, and the libvirt driver types.
var qemuFormat = map[string]string{
	"raw": "raw", "raw-xz": "raw", "qcow": "qcow", "qcow2": "qcow2", "vmdk": "vmdk", "vdi": "vdi", "vpc": "vpc", "vhdx": "vhdx",
	"tar-gz": "raw", "liveimg-squashfs": "raw", "rhevm-ova": "qcow2", "vsphere-ova": "vmdk", "vagrant-libvirt": "qcow2",
	"vagrant-virtualbox": "vmdk", "vagrant-vmware-fusion": "vmdk", "vagrant-hyperv": "vpc",
}

// sameDisk checks that file, in qemu-img format fmt, holds the test disk.
func sameDisk(t *testing.T, file, fmt string, disk testDisk) {
	t.Helper()
	var info struct {
		Format      string `json:"format"`
		VirtualSize int64  `json:"virtual-size"`
	}
	if err := json.Unmarshal([]byte(sh(t, "qemu-img", "info", "--output=json", "-f", fmt, file)), &info); err != nil {
		t.Fatal(err)
	}
	if info.VirtualSize != disk.size {
		t.Errorf("%s: virtual size %d, want %d", filepath.Base(file), info.VirtualSize, disk.size)
	}
	sh(t, "qemu-img", "compare", "-f", "raw", "-F", fmt, disk.path, file)
}

// qemuCheck runs qemu-img check, for the formats it knows.
func qemuCheck(t *testing.T, file, fmt string) {
	t.Helper()
	switch fmt {
	case "qcow2", "vmdk", "vdi", "vhdx":
		sh(t, "qemu-img", "check", "-f", fmt, file)
	}
}

// qemuInfo returns qemu-img info's JSON.
func qemuInfo(t *testing.T, file, fmt string) map[string]any {
	t.Helper()
	var info map[string]any
	if err := json.Unmarshal([]byte(sh(t, "qemu-img", "info", "--output=json", "-f", fmt, file)), &info); err != nil {
		t.Fatal(err)
	}
	return info
}

func formatData(info map[string]any) map[string]any {
	spec, _ := info["format-specific"].(map[string]any)
	data, _ := spec["data"].(map[string]any)
	return data
}

// unpack extracts an archive with tar and returns the directory and the
// members in archive order.
func unpack(t *testing.T, archive string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	sh(t, "tar", "-x", "-f", archive, "-C", dir)
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(sh(t, "tar", "-t", "-f", archive)), "\n") {
		names = append(names, l)
	}
	return dir, names
}

// node is any XML element, for looking values up by local names.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func parseXML(t *testing.T, data []byte) node {
	t.Helper()
	var n node
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil } // decoded already
	if err := d.Decode(&n); err != nil {
		t.Fatalf("parse XML: %v\n%s", err, data)
	}
	return n
}

// all returns the descendants at a path of local names.
func (n node) all(path ...string) []node {
	if len(path) == 0 {
		return []node{n}
	}
	var out []node
	for _, c := range n.Nodes {
		if c.XMLName.Local == path[0] {
			out = append(out, c.all(path[1:]...)...)
		}
	}
	return out
}

func (n node) text(path ...string) string {
	if all := n.all(path...); len(all) > 0 {
		return strings.TrimSpace(all[0].Text)
	}
	return "<missing " + strings.Join(path, "/") + ">"
}

func (n node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return "<no " + local + ">"
}

// item returns the hardware item of a resource type.
func item(items []node, typ string) node {
	for _, it := range items {
		if it.text("ResourceType") == typ {
			return it
		}
	}
	return node{}
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeUTF16 reads a UTF-16 LE document with a byte order mark.
func decodeUTF16(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xfe || len(b)%2 != 0 {
		t.Fatalf("not UTF-16 LE with a BOM: % x", b[:min(len(b), 8)])
	}
	u := make([]uint16, 0, len(b)/2-1)
	for i := 2; i < len(b); i += 2 {
		u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
	}
	return string(utf16.Decode(u))
}

var allFormats = []string{
	"raw", "raw-xz", "qcow", "qcow2", "vmdk", "vdi", "vpc", "vhdx", "tar-gz", "liveimg-squashfs", "docker",
	"rhevm-ova", "vsphere-ova", "vagrant-libvirt", "vagrant-virtualbox", "vagrant-vmware-fusion", "vagrant-hyperv",
}

// TestConvertAllFormats makes every format from one disk, with Koji's
// defaults, and takes the disk back out of each with the tools that
// consume it.
func TestConvertAllFormats(t *testing.T) {
	disk := makeDisk(t)
	r := runConvert(t, disk.path, settings{
		formats: allFormats,
		factory: map[string]string{
			"docker_cmd":   `["/bin/sh", "-c", "echo $GREETING; cat /etc/hello"]`,
			"docker_env":   `["GREETING=hi from env", "PATH=/bin:/usr/bin"]`,
			"docker_label": `{"name": "test-image", "license": "MIT"}`,
			"repository":   "localhost/imgpipe-test",
			"tag":          "1-2",
			"comment":      "made by a test",
			"os":           "linux",
		},
	})

	t.Run("file-names", func(t *testing.T) {
		if len(r.artifacts) != len(allFormats) {
			t.Errorf("%d artifacts, want %d: %v", len(r.artifacts), len(allFormats), r.artifacts)
		}
		for _, f := range allFormats {
			want := kojiNames[f]
			if got := filepath.Base(r.artifacts[f]); got != want {
				t.Errorf("%s: %s, want %s", f, got, want)
			}
			if k := kojifacts.ImageFileName(build.Name, build.Version, build.Release, arch, f); k != want {
				t.Errorf("%s: kojifacts.ImageFileName = %s, want %s", f, k, want)
			}
		}
	})

	t.Run("libvirt", func(t *testing.T) {
		if _, ok := r.libvirt["docker"]; ok {
			t.Error("docker has a libvirt XML; Koji writes none")
		}
		for _, f := range allFormats {
			if f == "docker" {
				continue
			}
			p, ok := r.libvirt[f]
			if !ok {
				t.Errorf("%s: no libvirt XML", f)
				continue
			}
			wantEqual(t, f+" XML name", filepath.Base(p), "libvirt-"+f+"-"+arch+".xml")
			d := parseXML(t, []byte(readFile(t, p)))
			wantEqual(t, f+" domain name", d.text("name"), base)
			disk := d.all("devices", "disk")[0]
			wantEqual(t, f+" source", disk.all("source")[0].attr("file"), kojiNames[f])
			drv := disk.all("driver")[0]
			wantEqual(t, f+" driver", drv.attr("type"), qemuFormat[f])
			native := slices.Contains([]string{"raw", "qcow", "qcow2", "vmdk", "vdi", "vpc", "vhdx"}, f)
			if warn := drv.attr("type-warning"); native != strings.HasPrefix(warn, "<no ") {
				t.Errorf("%s: type-warning %q", f, warn)
			}
			wantEqual(t, f+" arch", d.all("os", "type")[0].attr("arch"), arch)
		}
	})

	t.Run("raw", func(t *testing.T) {
		sh(t, "cmp", disk.path, r.artifacts["raw"])
	})

	t.Run("raw-xz", func(t *testing.T) {
		sh(t, "xz", "-t", r.artifacts["raw-xz"])
		out := filepath.Join(t.TempDir(), "disk")
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		c := exec.Command(tool(t, "xz"), "-d", "--stdout", r.artifacts["raw-xz"])
		c.Stdout = f
		if err := c.Run(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		sh(t, "cmp", disk.path, out)
	})

	for _, f := range []string{"qcow", "qcow2", "vmdk", "vdi", "vpc", "vhdx"} {
		t.Run(f, func(t *testing.T) {
			qf := qemuFormat[f]
			qemuCheck(t, r.artifacts[f], qf)
			sameDisk(t, r.artifacts[f], qf, disk)
			info := qemuInfo(t, r.artifacts[f], qf)
			switch f {
			case "qcow2":
				wantEqual(t, "qcow2 compat", formatData(info)["compat"], "0.10")
			case "vmdk":
				wantEqual(t, "vmdk create type", formatData(info)["create-type"], "monolithicSparse")
			}
		})
	}

	t.Run("tar-gz", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["tar-gz"])
		wantEqual(t, "members", names, []string{"disk.raw"})
		sh(t, "cmp", disk.path, filepath.Join(dir, "disk.raw"))
		// Sparse: the 64 MiB disk holds a few MiB of data.
		fi, err := os.Stat(r.artifacts["tar-gz"])
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 8<<20 {
			t.Errorf("the archive is %d bytes", fi.Size())
		}
		v := sh(t, "tar", "-t", "-v", "-f", r.artifacts["tar-gz"])
		if !strings.Contains(v, "0/0") || !strings.Contains(v, "1970-01-01") {
			t.Errorf("owner and time not fixed: %s", v)
		}
	})

	t.Run("liveimg-squashfs", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "root")
		sh(t, "unsquashfs", "-no-progress", "-d", dir, r.artifacts["liveimg-squashfs"])
		img := filepath.Join(dir, "LiveOS", "rootfs.img")
		got, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, disk.partition(t)) {
			t.Errorf("LiveOS/rootfs.img (%d bytes) is not the root partition (%d bytes)", len(got), len(disk.partition(t)))
		}
		wantEqual(t, "/etc/hello in rootfs.img", sh(t, "debugfs", "-R", "cat /etc/hello", img), hello)
	})

	t.Run("docker-archive", func(t *testing.T) {
		checkDockerArchive(t, r.artifacts["docker"])
	})

	t.Run("docker-podman", func(t *testing.T) {
		svc := podmantest.Start(t)
		out := svc.Podman(t, "load", "-i", r.artifacts["docker"])
		if !strings.Contains(out, "localhost/imgpipe-test:1-2") {
			t.Errorf("podman load: %s", out)
		}
		ref := "localhost/imgpipe-test:1-2"
		run := func(args ...string) string {
			return svc.Podman(t, append([]string{"run", "--rm", "--network=none", ref}, args...)...)
		}
		wantEqual(t, "default command", run(), "hi from env\n"+strings.TrimSpace(hello))
		// One container for the rest: each costs a second or two.
		got := run("sh", "-c", `cat /etc/hello /etc/os-release
test -e /etc/fstab && echo fstab present || echo fstab absent
stat -c '%a %u:%g' /usr/bin/suid /home/user/owned
stat -c %i /etc/hello /etc/hello-again | uniq | wc -l`)
		owner := "0:0"
		if os.Geteuid() == 0 {
			owner = "1234:5678"
		}
		want := strings.Join([]string{strings.TrimSpace(hello), "NAME=Test", "ID=test", "fstab absent", "4755 0:0", "640 " + owner, "1"}, "\n")
		wantEqual(t, "files in the container", got, want)
		var labels map[string]string
		if err := json.Unmarshal([]byte(svc.Podman(t, "image", "inspect", "--format", "{{json .Labels}}", ref)), &labels); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "labels", labels, map[string]string{"name": "test-image", "license": "MIT"})
		wantEqual(t, "architecture", svc.Podman(t, "image", "inspect", "--format", "{{.Architecture}}/{{.Os}}", ref), "amd64/linux")
		wantEqual(t, "comment", svc.Podman(t, "image", "inspect", "--format", "{{.Comment}}", ref), "made by a test")
	})

	t.Run("rhevm-ova", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["rhevm-ova"])
		if len(names) != 3 || !regexp.MustCompile(`^master/vms/([0-9a-f-]{36})/([0-9a-f-]{36})\.ovf$`).MatchString(names[0]) {
			t.Fatalf("members %v: want the OVF first", names)
		}
		ovf := parseXML(t, []byte(readFile(t, filepath.Join(dir, names[0]))))
		checkRHEV(t, ovf, base, "1", "512", "Created by Image Factory", "0", "OtherLinux")
		vol := ovf.all("References", "File")[0].attr("href")
		volume := filepath.Join(dir, "images", vol)
		if !slices.Contains(names, "images/"+vol) || !slices.Contains(names, "images/"+vol+".meta") {
			t.Errorf("members %v: want images/%s and its .meta", names, vol)
		}
		qemuCheck(t, volume, "qcow2")
		sameDisk(t, volume, "qcow2", disk)
		wantEqual(t, "rhevm qcow2 compat", formatData(qemuInfo(t, volume, "qcow2"))["compat"], "0.10")
		meta := readFile(t, volume+".meta")
		for _, line := range []string{fmt.Sprintf("SIZE=%d", disk.size/512), "FORMAT=COW", "IMAGE=" + strings.Split(vol, "/")[0], "EOF"} {
			if !strings.Contains(meta, line+"\n") {
				t.Errorf("meta file has no %q:\n%s", line, meta)
			}
		}
		if !gzipped(t, r.artifacts["rhevm-ova"]) {
			t.Error("rhevm-ova is not gzipped")
		}
	})

	t.Run("vsphere-ova", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vsphere-ova"])
		wantEqual(t, "members", names, []string{"desc.ovf", "desc.mf", "disk.vmdk"})
		ovf := parseXML(t, []byte(readFile(t, filepath.Join(dir, "desc.ovf"))))
		wantEqual(t, "envelope", ovf.XMLName.Space+" "+ovf.XMLName.Local, "http://schemas.dmtf.org/ovf/envelope/1 Envelope")
		checkVsphere(t, ovf, vsphereWant{name: base, cpus: "2", mem: "4096", product: "Product Name", vendor: "Vendor Name",
			version: "1.0", systemType: "vmx-07 vmx-08", osType: "rhel6_64Guest", scsi: "lsilogic", net: "E1000"})
		fi, err := os.Stat(filepath.Join(dir, "disk.vmdk"))
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "File size", ovf.all("References", "File")[0].attr("size"), fi.Size())
		wantEqual(t, "capacity", ovf.all("DiskSection", "Disk")[0].attr("capacity"), disk.size)
		// The manifest's digests are the files'.
		for _, line := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "desc.mf"))), "\n") {
			m := regexp.MustCompile(`^SHA256\((.+)\)= ([0-9a-f]{64})$`).FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("manifest line %q", line)
			}
			sum := sha256.Sum256([]byte(readFile(t, filepath.Join(dir, m[1]))))
			wantEqual(t, "SHA256 of "+m[1], m[2], hex.EncodeToString(sum[:]))
		}
		vmdk := filepath.Join(dir, "disk.vmdk")
		qemuCheck(t, vmdk, "vmdk")
		sameDisk(t, vmdk, "vmdk", disk)
		wantEqual(t, "vmdk create type", formatData(qemuInfo(t, vmdk, "vmdk"))["create-type"], "streamOptimized")
		if gzipped(t, r.artifacts["vsphere-ova"]) {
			t.Error("vsphere-ova is gzipped; ImageFactory's is a plain tar")
		}
	})

	t.Run("vagrant-libvirt", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-libvirt"])
		wantEqual(t, "members", names, []string{"metadata.json", "Vagrantfile", "box.img"})
		var meta map[string]any
		readJSON(t, filepath.Join(dir, "metadata.json"), &meta)
		wantEqual(t, "metadata", meta, map[string]any{"provider": "libvirt", "format": "qcow2", "virtual_size": 1.0})
		vf := readFile(t, filepath.Join(dir, "Vagrantfile"))
		if !strings.Contains(vf, `config.vm.synced_folder ".", "/vagrant", type: "rsync"`) || !strings.Contains(vf, "provider :libvirt") {
			t.Errorf("Vagrantfile:\n%s", vf)
		}
		qemuCheck(t, filepath.Join(dir, "box.img"), "qcow2")
		sameDisk(t, filepath.Join(dir, "box.img"), "qcow2", disk)
	})

	t.Run("vagrant-virtualbox", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-virtualbox"])
		wantEqual(t, "members", names, []string{"box.ovf", "metadata.json", "Vagrantfile", base + ".vmdk"})
		ovf := parseXML(t, []byte(readFile(t, filepath.Join(dir, "box.ovf"))))
		checkVirtualBox(t, ovf, base, "1", "512")
		var meta map[string]any
		readJSON(t, filepath.Join(dir, "metadata.json"), &meta)
		wantEqual(t, "metadata", meta, map[string]any{"provider": "virtualbox"})
		mac := item(ovf.all("VirtualSystem", "VirtualHardwareSection", "Item"), "10").text("Address")
		if vf := readFile(t, filepath.Join(dir, "Vagrantfile")); !strings.Contains(vf, `config.vm.base_mac = "`+mac+`"`) {
			t.Errorf("Vagrantfile has not the OVF's MAC %s:\n%s", mac, vf)
		}
		vmdk := filepath.Join(dir, base+".vmdk")
		qemuCheck(t, vmdk, "vmdk")
		sameDisk(t, vmdk, "vmdk", disk)
		wantEqual(t, "vmdk create type", formatData(qemuInfo(t, vmdk, "vmdk"))["create-type"], "streamOptimized")
	})

	t.Run("vagrant-vmware-fusion", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-vmware-fusion"])
		wantEqual(t, "members", names, []string{"metadata.json", "Vagrantfile", base + ".vmx", base + ".vmxf", base + "-disk1.vmdk"})
		var meta map[string]any
		readJSON(t, filepath.Join(dir, "metadata.json"), &meta)
		wantEqual(t, "metadata", meta, map[string]any{"provider": "vmware_desktop"})
		vmx := parseVMX(t, readFile(t, filepath.Join(dir, base+".vmx")))
		for k, v := range map[string]string{"displayname": base, "numvcpus": "1", "memsize": "1024", "scsi0.virtualDev": "lsilogic",
			"ethernet0.virtualDev": "e1000", "vhv.enable": "FALSE", "scsi0:0.fileName": base + "-disk1.vmdk"} {
			wantEqual(t, "vmx "+k, vmx[k], v)
		}
		wantEqual(t, "vmxf", readFile(t, filepath.Join(dir, base+".vmxf")), "")
		vmdk := filepath.Join(dir, base+"-disk1.vmdk")
		qemuCheck(t, vmdk, "vmdk")
		sameDisk(t, vmdk, "vmdk", disk)
		wantEqual(t, "vmdk create type", formatData(qemuInfo(t, vmdk, "vmdk"))["create-type"], "monolithicSparse")
	})

	t.Run("vagrant-hyperv", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-hyperv"])
		wantEqual(t, "members", names, []string{"metadata.json", "Vagrantfile", "Virtual Machines/vm.XML", "Virtual Hard Disks/disk.vhd"})
		var meta map[string]any
		readJSON(t, filepath.Join(dir, "metadata.json"), &meta)
		wantEqual(t, "metadata", meta, map[string]any{"provider": "hyperv"})
		checkHyperV(t, filepath.Join(dir, "Virtual Machines", "vm.XML"), base, "1", "1024")
		sameDisk(t, filepath.Join(dir, "Virtual Hard Disks", "disk.vhd"), "vpc", disk)
	})

	t.Run("archives-owned-by-root-at-epoch", func(t *testing.T) {
		for _, f := range []string{"rhevm-ova", "vsphere-ova", "vagrant-libvirt", "vagrant-virtualbox", "vagrant-vmware-fusion", "vagrant-hyperv"} {
			for _, l := range strings.Split(strings.TrimSpace(sh(t, "tar", "-t", "-v", "--numeric-owner", "-f", r.artifacts[f])), "\n") {
				if !strings.Contains(l, " 0/0 ") || !strings.Contains(l, "1970-01-01") {
					t.Errorf("%s: %s", f, l)
				}
			}
		}
	})
}

// checkDockerArchive reads the docker-archive with Go's tar and checks its
// layout: manifest.json, the configuration named by its digest, the layer
// with the digest the configuration gives, no ./etc/fstab.
func checkDockerArchive(t *testing.T, path string) {
	t.Helper()
	data := sh(t, "xz", "-d", "--stdout", path)
	files := map[string][]byte{}
	var order []string
	tr := tar.NewReader(strings.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
		order = append(order, h.Name)
	}
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatalf("manifest.json: %v (members %v)", err, order)
	}
	if len(manifest) != 1 || len(manifest[0].Layers) != 1 {
		t.Fatalf("manifest %+v", manifest)
	}
	m := manifest[0]
	wantEqual(t, "RepoTags", m.RepoTags, []string{"localhost/imgpipe-test:1-2"})
	cfgSum := sha256.Sum256(files[m.Config])
	wantEqual(t, "config name", m.Config, hex.EncodeToString(cfgSum[:])+".json")
	var cfg struct {
		Architecture string
		OS           string
		Comment      string
		Config       struct {
			Cmd    []string
			Env    []string
			Labels map[string]string
		}
		RootFS struct {
			Type    string   `json:"type"`
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(files[m.Config], &cfg); err != nil {
		t.Fatal(err)
	}
	layer := files[m.Layers[0]]
	layerSum := sha256.Sum256(layer)
	wantEqual(t, "diff_ids", cfg.RootFS.DiffIDs, []string{"sha256:" + hex.EncodeToString(layerSum[:])})
	wantEqual(t, "Cmd", cfg.Config.Cmd, []string{"/bin/sh", "-c", "echo $GREETING; cat /etc/hello"})
	wantEqual(t, "Env", cfg.Config.Env, []string{"GREETING=hi from env", "PATH=/bin:/usr/bin"})
	var repos map[string]map[string]string
	if err := json.Unmarshal(files["repositories"], &repos); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "repositories", repos, map[string]map[string]string{"localhost/imgpipe-test": {"1-2": strings.TrimSuffix(m.Layers[0], "/layer.tar")}})
	id := strings.TrimSuffix(m.Layers[0], "/layer.tar")
	wantEqual(t, "VERSION", string(files[id+"/VERSION"]), "1.0")
	lr := tar.NewReader(bytes.NewReader(layer))
	names := map[string]bool{}
	for {
		h, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	if names["./etc/fstab"] {
		t.Error("the layer has ./etc/fstab")
	}
	for _, n := range []string{"./", "./etc/", "./etc/hello", "./bin/busybox", "./lost+found/"} {
		if !names[n] {
			t.Errorf("the layer has no %s", n)
		}
	}
}

func checkRHEV(t *testing.T, ovf node, name, cpus, mem, desc, display, osDesc string) {
	t.Helper()
	content := ovf.all("Content")[0]
	wantEqual(t, "rhevm Name", content.text("Name"), name)
	wantEqual(t, "rhevm Description", content.text("Description"), desc)
	wantEqual(t, "rhevm default_display_type", content.text("default_display_type"), display)
	wantEqual(t, "rhevm CreationDate", content.text("CreationDate"), "1970/01/01 00:00:00")
	var hw, osSec node
	for _, s := range content.all("Section") {
		switch s.attr("type") {
		case "ovf:VirtualHardwareSection_Type":
			hw = s
		case "ovf:OperatingSystemSection_Type":
			osSec = s
		}
	}
	wantEqual(t, "rhevm OS", osSec.text("Description"), osDesc)
	items := hw.all("Item")
	wantEqual(t, "rhevm CPUs", item(items, "3").text("cpu_per_socket"), cpus)
	wantEqual(t, "rhevm memory", item(items, "4").text("VirtualQuantity"), mem)
}

type vsphereWant struct {
	name, cpus, mem, product, vendor, version, systemType, osType, scsi, net string
	nested, cdrom                                                            bool
}

func checkVsphere(t *testing.T, ovf node, w vsphereWant) {
	t.Helper()
	vs := ovf.all("VirtualSystem")[0]
	wantEqual(t, "vsphere Name", vs.text("Name"), w.name)
	wantEqual(t, "vsphere osType", vs.all("OperatingSystemSection")[0].attr("osType"), w.osType)
	hw := vs.all("VirtualHardwareSection")[0]
	wantEqual(t, "vsphere VirtualSystemType", hw.text("System", "VirtualSystemType"), w.systemType)
	items := hw.all("Item")
	wantEqual(t, "vsphere CPUs", item(items, "3").text("VirtualQuantity"), w.cpus)
	wantEqual(t, "vsphere memory", item(items, "4").text("VirtualQuantity"), w.mem)
	wantEqual(t, "vsphere SCSI", item(items, "6").text("ResourceSubType"), w.scsi)
	wantEqual(t, "vsphere network", item(items, "10").text("ResourceSubType"), w.net)
	wantEqual(t, "vsphere CD-ROM", item(items, "15").text("ResourceSubType") == "vmware.cdrom.atapi", w.cdrom)
	nested := false
	for _, c := range hw.all("Config") {
		if c.attr("key") == "nestedHVEnabled" && c.attr("value") == "true" {
			nested = true
		}
	}
	wantEqual(t, "vsphere nested virt", nested, w.nested)
	wantEqual(t, "vsphere product", vs.text("ProductSection", "Product"), w.product)
	wantEqual(t, "vsphere vendor", vs.text("ProductSection", "Vendor"), w.vendor)
	wantEqual(t, "vsphere version", vs.text("ProductSection", "Version"), w.version)
}

func checkVirtualBox(t *testing.T, ovf node, name, cpus, mem string) {
	t.Helper()
	vs := ovf.all("VirtualSystem")[0]
	wantEqual(t, "virtualbox id", vs.attr("id"), name)
	wantEqual(t, "virtualbox OS", vs.text("OperatingSystemSection", "OSType"), "RedHat_64")
	wantEqual(t, "virtualbox disk file", ovf.all("References", "File")[0].attr("href"), name+".vmdk")
	items := vs.all("VirtualHardwareSection", "Item")
	wantEqual(t, "virtualbox CPUs", item(items, "3").text("VirtualQuantity"), cpus)
	wantEqual(t, "virtualbox memory", item(items, "4").text("VirtualQuantity"), mem)
}

func checkHyperV(t *testing.T, path, name, cpus, mem string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := decodeUTF16(t, b)
	if !strings.Contains(text, "\r\n") {
		t.Error("vm.XML has no DOS line ends")
	}
	x := parseXML(t, []byte(text))
	wantEqual(t, "hyperv name", x.text("properties", "name"), name)
	wantEqual(t, "hyperv generation", x.text("properties", "subtype"), "0")
	wantEqual(t, "hyperv CPUs", x.text("settings", "processors", "count"), cpus)
	wantEqual(t, "hyperv memory", x.text("settings", "memory", "bank", "size"), mem)
	wantEqual(t, "hyperv disk", x.text("_83f8638b-8dca-4152-9eda-2ca8b33039b4_", "controller0", "drive0", "type"), "VHD")
}

func parseVMX(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		k, v, ok := strings.Cut(l, " = ")
		if !ok || !strings.HasPrefix(v, `"`) || !strings.HasSuffix(v, `"`) {
			t.Fatalf("vmx line %q", l)
		}
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

// TestConvertOVAOptions sets every [ova-options] key to a value other than
// ImageFactory's default and finds each in the descriptors.
func TestConvertOVAOptions(t *testing.T) {
	disk := makeDisk(t)
	r := runConvert(t, disk.path, settings{
		formats: []string{"rhevm-ova", "vsphere-ova", "vagrant-virtualbox", "vagrant-vmware-fusion", "vagrant-hyperv", "vagrant-libvirt"},
		ova: map[string]string{
			"ovf_name":                        "my box",
			"ovf_cpu_count":                   "3",
			"ovf_memory_mb":                   "2048",
			"rhevm_description":               "A test image",
			"rhevm_default_display_type":      "1",
			"rhevm_os_descriptor":             "Fedora-22",
			"vsphere_product_name":            "Test Product",
			"vsphere_product_vendor_name":     "Test Vendor",
			"vsphere_product_version":         "9.9",
			"vsphere_virtual_system_type":     "vmx-10",
			"vsphere_nested_virt":             "true",
			"vsphere_cdrom":                   "yes",
			"vsphere_os_type":                 "fedora64Guest",
			"vsphere_scsi_controller_type":    "VirtualSCSI",
			"vsphere_network_controller_type": "VmxNet3",
			"fusion_scsi_controller_type":     "pvscsi",
			"fusion_network_controller_type":  "vmxnet3",
			"fusion_nested_virt":              "True",
			"vagrant_sync_directory":          "/srv/sync",
			"hyperv_vagrant":                  "false",
			"vsphere_vmdk_format":             "streaming", // Koji forces standard for fusion anyway
		},
		// Factory parameters win over ova options (Koji's merge).
		factory: map[string]string{"ovf_memory_mb": "3072"},
	})
	const name = "my box"

	t.Run("rhevm-ova", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["rhevm-ova"])
		checkRHEV(t, parseXML(t, []byte(readFile(t, filepath.Join(dir, names[0])))), name, "3", "3072", "A test image", "1", "Fedora-22")
	})
	t.Run("vsphere-ova", func(t *testing.T) {
		dir, _ := unpack(t, r.artifacts["vsphere-ova"])
		checkVsphere(t, parseXML(t, []byte(readFile(t, filepath.Join(dir, "desc.ovf")))), vsphereWant{
			name: name, cpus: "3", mem: "3072", product: "Test Product", vendor: "Test Vendor", version: "9.9",
			systemType: "vmx-10", osType: "fedora64Guest", scsi: "VirtualSCSI", net: "VmxNet3", nested: true, cdrom: true})
	})
	t.Run("vagrant-virtualbox", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-virtualbox"])
		// VirtualBox's names have no spaces.
		wantEqual(t, "members", names, []string{"box.ovf", "metadata.json", "Vagrantfile", "my_box.vmdk"})
		checkVirtualBox(t, parseXML(t, []byte(readFile(t, filepath.Join(dir, "box.ovf")))), "my_box", "3", "3072")
		if vf := readFile(t, filepath.Join(dir, "Vagrantfile")); !strings.Contains(vf, `"/srv/sync"`) {
			t.Errorf("Vagrantfile:\n%s", vf)
		}
	})
	t.Run("vagrant-vmware-fusion", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-vmware-fusion"])
		wantEqual(t, "members", names, []string{"metadata.json", "Vagrantfile", name + ".vmx", name + ".vmxf", name + "-disk1.vmdk"})
		vmx := parseVMX(t, readFile(t, filepath.Join(dir, name+".vmx")))
		for k, v := range map[string]string{"displayname": name, "numvcpus": "3", "memsize": "3072", "scsi0.virtualDev": "pvscsi",
			"ethernet0.virtualDev": "vmxnet3", "vhv.enable": "TRUE"} {
			wantEqual(t, "vmx "+k, vmx[k], v)
		}
		wantEqual(t, "vmdk create type", formatData(qemuInfo(t, filepath.Join(dir, name+"-disk1.vmdk"), "vmdk"))["create-type"], "monolithicSparse")
	})
	t.Run("vagrant-hyperv", func(t *testing.T) {
		dir, names := unpack(t, r.artifacts["vagrant-hyperv"])
		// hyperv_vagrant = false: no vagrant files.
		wantEqual(t, "members", names, []string{"Virtual Machines/vm.XML", "Virtual Hard Disks/disk.vhd"})
		checkHyperV(t, filepath.Join(dir, "Virtual Machines", "vm.XML"), name, "3", "3072")
	})
	t.Run("vagrant-libvirt", func(t *testing.T) {
		dir, _ := unpack(t, r.artifacts["vagrant-libvirt"])
		if vf := readFile(t, filepath.Join(dir, "Vagrantfile")); !strings.Contains(vf, `config.vm.synced_folder ".", "/srv/sync", type: "rsync"`) {
			t.Errorf("Vagrantfile:\n%s", vf)
		}
	})
}

// TestConvertVagrantfileAndPackageSwitches checks the recipe's Vagrantfile,
// qcow2_compat, and the docs' "secret sauce": vsphere-ova with
// vsphere_ova_format = vagrant-virtualbox makes a VirtualBox box under the
// vsphere-ova name.
func TestConvertVagrantfileAndPackageSwitches(t *testing.T) {
	disk := makeDisk(t)
	vfPath := filepath.Join(t.TempDir(), "Vagrantfile")
	const vagrantfile = "Vagrant.configure(\"2\") do |config|\n  # from the recipe\nend\n"
	if err := os.WriteFile(vfPath, []byte(vagrantfile), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runConvert(t, disk.path, settings{
		formats:     []string{"vagrant-libvirt", "vsphere-ova", "rhevm-ova", "qcow2"},
		ova:         map[string]string{"vsphere_ova_format": "vagrant-virtualbox", "vsphere_vmdk_format": "standard", "rhevm_ova_format": "vagrant-libvirt", "ovf_memory_mb": "1536"},
		vagrantfile: vfPath,
		compat:      "1.1",
	})
	wantEqual(t, "qcow2 compat", formatData(qemuInfo(t, r.artifacts["qcow2"], "qcow2"))["compat"], "1.1")

	dir, names := unpack(t, r.artifacts["vagrant-libvirt"])
	wantEqual(t, "vagrant-libvirt members", names, []string{"metadata.json", "Vagrantfile", "box.img"})
	wantEqual(t, "Vagrantfile", readFile(t, filepath.Join(dir, "Vagrantfile")), vagrantfile)
	wantEqual(t, "box.img compat", formatData(qemuInfo(t, filepath.Join(dir, "box.img"), "qcow2"))["compat"], "1.1")

	dir, names = unpack(t, r.artifacts["vsphere-ova"])
	wantEqual(t, "vsphere-ova members", names, []string{"box.ovf", "metadata.json", "Vagrantfile", base + ".vmdk"})
	wantEqual(t, "vmdk create type", formatData(qemuInfo(t, filepath.Join(dir, base+".vmdk"), "vmdk"))["create-type"], "monolithicSparse")
	ovf := parseXML(t, []byte(readFile(t, filepath.Join(dir, "box.ovf"))))
	wantEqual(t, "box.ovf disk format", ovf.all("DiskSection", "Disk")[0].attr("format"), "http://www.vmware.com/interfaces/specifications/vmdk.html#sparse")
	checkVirtualBox(t, ovf, base, "1", "1536")
	wantEqual(t, "Vagrantfile", readFile(t, filepath.Join(dir, "Vagrantfile")), vagrantfile)

	_, names = unpack(t, r.artifacts["rhevm-ova"])
	wantEqual(t, "rhevm-ova members", names, []string{"metadata.json", "Vagrantfile", "box.img"})
	wantEqual(t, "rhevm-ova file name", filepath.Base(r.artifacts["rhevm-ova"]), base+".rhevm.ova")
}

// TestConvertIsDeterministic converts twice and expects the same bytes for
// every format whose tool adds nothing random (xz is deterministic; raw-xz
// is left out only because it is slow).
func TestConvertIsDeterministic(t *testing.T) {
	disk := makeDisk(t)
	formats := []string{"qcow2", "tar-gz", "liveimg-squashfs", "docker", "rhevm-ova", "vagrant-libvirt"}
	a := runConvert(t, disk.path, settings{formats: formats})
	b := runConvert(t, disk.path, settings{formats: formats})
	for _, f := range formats {
		sh(t, "cmp", a.artifacts[f], b.artifacts[f])
		if f != "docker" {
			sh(t, "cmp", a.libvirt[f], b.libvirt[f])
		}
	}
}

func TestConvertNeedsRelease(t *testing.T) {
	disk := makeDisk(t)
	st, _ := stage(t, disk.path, settings{formats: []string{"qcow2"}}, kind.Build{Name: "test-image", Version: "1"})
	_, err := convert.Kind.Run(context.Background(), st)
	if err == nil || !strings.Contains(err.Error(), "has no release yet") {
		t.Errorf("err = %v, want one saying the build has no release yet", err)
	}
	if left, _ := os.ReadDir(st.OutDir); len(left) > 0 {
		t.Errorf("wrote %v", left)
	}
}

// TestConvertFailureStopsTheOthers: docker cannot be made from a disk with
// no file system; the error names the format and the other formats stop.
func TestConvertFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "blank.raw")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 16<<20); err != nil {
		t.Fatal(err)
	}
	st, _ := stage(t, p, settings{formats: []string{"docker", "qcow2"}}, build)
	_, err := convert.Kind.Run(context.Background(), st)
	if err == nil || !strings.HasPrefix(err.Error(), "docker: ") || !strings.Contains(err.Error(), "neither a partition table nor a file system") {
		t.Errorf("err = %v", err)
	}
}

func TestConvertCancelled(t *testing.T) {
	disk := makeDisk(t)
	st, _ := stage(t, disk.path, settings{formats: allFormats}, build)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := convert.Kind.Run(ctx, st); err == nil {
		t.Error("a cancelled run succeeded")
	}
	if left, _ := os.ReadDir(st.Scratch); len(left) > 0 {
		t.Errorf("scratch not cleaned up: %v", left)
	}
}

// gzipped reports whether a file starts with gzip's magic number.
func gzipped(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var magic [2]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		t.Fatal(err)
	}
	return magic == [2]byte{0x1f, 0x8b}
}
