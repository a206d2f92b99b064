package convert

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewParams(t *testing.T) {
	ova := map[string]string{"ovf_memory_mb": "2048", "ovf_cpu_count": "2", "vsphere_ova_format": "vagrant-virtualbox", "vsphere_vmdk_format": "streaming"}
	factory := map[string]string{"ovf_memory_mb": "3072"}
	for _, c := range []struct {
		format string
		want   map[string]string
	}{
		// Factory parameters win over ova options (Koji's _mergeFactoryParams).
		{"vsphere-ova", map[string]string{"ovf_memory_mb": "3072", "ovf_cpu_count": "2", "vsphere_ova_format": "vagrant-virtualbox", "vsphere_vmdk_format": "streaming"}},
		// The vagrant formats' fixed parameters win over both.
		{"vagrant-vmware-fusion", map[string]string{"ovf_memory_mb": "3072", "ovf_cpu_count": "2", "vsphere_ova_format": "vagrant-vmware-fusion", "vsphere_vmdk_format": "standard"}},
		{"vagrant-libvirt", map[string]string{"ovf_memory_mb": "3072", "ovf_cpu_count": "2", "vsphere_ova_format": "vagrant-virtualbox", "vsphere_vmdk_format": "streaming", "rhevm_ova_format": "vagrant-libvirt"}},
	} {
		p := newParams(ova, factory, c.format)
		for k, v := range c.want {
			if p[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.format, k, p[k], v)
			}
		}
	}
	p := params{"a": "", "b": "x", "t": "Yes", "n": "7", "bad": "maybe"}
	if p.get("a", "def") != "def" || p.get("b", "def") != "x" || p.get("c", "def") != "def" {
		t.Error("get: an empty or missing value must give the default, as ImageFactory passes only truthy values")
	}
	if !p.boolean("t", false) || p.boolean("bad", false) || !p.boolean("missing", true) {
		t.Error("boolean")
	}
	if p.number("n", 1) != 7 || p.number("b", 1) != 1 {
		t.Error("number")
	}
}

func TestPackageKind(t *testing.T) {
	for _, c := range []struct {
		format string
		ova    map[string]string
		want   string
	}{
		{"rhevm-ova", nil, "rhevm"},
		{"rhevm-ova", map[string]string{"rhevm_ova_format": "vagrant-libvirt"}, "vagrant-libvirt"},
		{"vsphere-ova", nil, "vsphere"},
		{"vsphere-ova", map[string]string{"vsphere_ova_format": "vagrant-vmware-fusion"}, "vagrant-vmware-fusion"},
		{"vagrant-libvirt", map[string]string{"rhevm_ova_format": "rhevm"}, "vagrant-libvirt"},
		{"vagrant-virtualbox", map[string]string{"vsphere_ova_format": "vsphere"}, "vagrant-virtualbox"},
		{"vagrant-vmware-fusion", nil, "vagrant-vmware-fusion"},
		{"vagrant-hyperv", map[string]string{"hyperv_ova_format": "hyperv"}, "hyperv"},
	} {
		if got := packageKind(c.format, newParams(c.ova, nil, c.format)); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.format, c.ova, got, c.want)
		}
	}
}

func TestDockerParams(t *testing.T) {
	o, err := dockerParams(nil, "Fedora-Container-41-1.x86_64", "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	if o.Repository != "fedora-container-41-1.x86_64" || o.Tag != "latest" || o.Comment != "Created by Image Factory" ||
		o.OS != "linux" || !o.Metadata || o.Cmd != nil || o.Env != nil || o.Labels != nil || !slices.Equal(o.Excludes, []string{"./etc/fstab"}) {
		t.Errorf("defaults: %+v", o)
	}
	o, err = dockerParams(map[string]string{
		"docker_cmd": `["/bin/bash"]`, "docker_env": `["A=1", "B=2"]`, "docker_label": `{"name": "fedora"}`,
		"docker_set_arch_label": "true", "repository": "fedora", "tag": "41", "comment": "c", "os": "linux",
		"tar_excludes": "./etc/fstab, ./var/cache/*", "create_docker_metadata": "False",
	}, "x", "aarch64")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Cmd, []string{"/bin/bash"}) || !slices.Equal(o.Env, []string{"A=1", "B=2"}) ||
		o.Labels["name"] != "fedora" || o.Labels["architecture"] != "aarch64" || o.Repository != "fedora" || o.Tag != "41" ||
		o.Metadata || !slices.Equal(o.Excludes, []string{"./etc/fstab", "./var/cache/*"}) {
		t.Errorf("set: %+v", o)
	}
	if o, _ := dockerParams(map[string]string{"tar_excludes": ""}, "x", "x86_64"); len(o.Excludes) != 0 {
		t.Errorf("tar_excludes = \"\" must exclude nothing, got %v", o.Excludes)
	}
	for k, v := range map[string]string{
		"docker_cmd":             "/bin/bash",
		"docker_env":             `{"A": "1"}`,
		"docker_label":           `["a"]`,
		"docker_image_id":        "abc",
		"repository":             "no spaces allowed",
		"tag":                    "-bad",
		"create_docker_metadata": "perhaps",
		"docker_set_arch_label":  "perhaps",
	} {
		if _, err := dockerParams(map[string]string{k: v}, "x", "x86_64"); err == nil || !strings.Contains(err.Error(), k) && k != "repository" && k != "tag" {
			t.Errorf("%s = %q: err = %v", k, v, err)
		}
	}
}

func TestTarExcluder(t *testing.T) {
	ex, err := tarExcluder([]string{"./etc/fstab", "*.pyc", "var/cache/dnf", "./tmp/[ab]?"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"./etc/fstab":               true,
		"./etc/fstab.d":             false,
		"./etc":                     false,
		"./usr/lib/x/mod.pyc":       true,
		"./var/cache/dnf":           true,
		"./var/cache/dnfx":          false,
		"./tmp/a1":                  true,
		"./tmp/c1":                  false,
		"./srv/etc/fstab":           false,
		"./x/./etc/fstab/../fstab2": false,
	} {
		if got := ex(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func TestNameUUID(t *testing.T) {
	a, b := nameUUID("stage-1", "image"), nameUUID("stage-1", "volume")
	if a == b || a != nameUUID("stage-1", "image") || a == nameUUID("stage-2", "image") {
		t.Error("UUIDs must be the same for the same parts and differ otherwise")
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("%s is not a version 5 UUID", a)
	}
	if mac := virtualBoxMAC("stage-1"); !regexp.MustCompile(`^080027[0-9A-F]{6}$`).MatchString(mac) {
		t.Errorf("MAC %s", mac)
	}
}

func TestWindowsTicks(t *testing.T) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(windowsTicks(time.Unix(0, 0)), "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint64(b); got != 116444736000000000 {
		t.Errorf("ticks %d, want 116444736000000000 (1970 in 100 ns since 1601)", got)
	}
}

func TestUTF16CRLF(t *testing.T) {
	got := utf16CRLF("a\nü")
	want := []byte{0xff, 0xfe, 'a', 0, '\r', 0, '\n', 0, 0xfc, 0}
	if !bytes.Equal(got, want) {
		t.Errorf("% x, want % x", got, want)
	}
}

func TestLibvirtBoxSize(t *testing.T) {
	for size, want := range map[int64]int64{64 << 20: 1, 10 << 30: 11, 10<<30 + 1: 11} {
		if got := libvirtBoxSize(size); got != want {
			t.Errorf("%d: %d, want %d", size, got, want)
		}
	}
}

// TestDescriptorsEscape renders every descriptor with values that need
// escaping and parses the result.
func TestDescriptorsEscape(t *testing.T) {
	nasty := `a <b> & "c" 'd' ü`
	docs := map[string][]byte{
		"vsphere": render(vsphereOVFTemplate, vsphereOVF{Name: nasty, ProductName: nasty, Vendor: nasty, Version: nasty,
			SystemType: nasty, OSType: nasty, SCSI: nasty, Network: nasty, CDROM: true, NestedVirt: true}),
		"rhev":    render(rhevOVFTemplate, rhevOVF{Name: nasty, Description: nasty, Display: nasty, OS: nasty}),
		"vbox":    render(virtualBoxOVFTemplate, virtualBoxOVF{Name: nasty, DiskFile: nasty}),
		"hyperv":  render(hypervXMLTemplate, hypervXML{Name: nasty}),
		"libvirt": libvirtDomain{Name: nasty, Arch: nasty, File: nasty, Driver: nasty, Warning: nasty}.bytes(),
	}
	for name, doc := range docs {
		d := xml.NewDecoder(bytes.NewReader(doc))
		d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		found := false
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			switch tok := tok.(type) {
			case xml.CharData:
				found = found || string(tok) == nasty
			case xml.StartElement:
				for _, a := range tok.Attr {
					found = found || a.Value == nasty
				}
			}
		}
		if !found {
			t.Errorf("%s: the value does not come back from the XML", name)
		}
	}
	vmx := string(render(fusionVMXTemplate, fusionVMX{Name: `say "hi" | bye`, SCSI: "lsilogic", Network: "e1000"}))
	if !strings.Contains(vmx, `displayname = "say |22hi|22 |7C bye"`) {
		t.Errorf("vmx:\n%s", vmx)
	}
}
