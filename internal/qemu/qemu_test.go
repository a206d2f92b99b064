package qemu

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKickstartCPIOUnpacks(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Fatal("cpio not found: run `go tool task deps`")
	}
	ks := []byte("rootpw --plaintext x\npoweroff\n")
	var buf bytes.Buffer
	// An "initrd" of odd length: the archive must start 4-byte aligned.
	if err := AppendCPIO(&buf, strings.NewReader("abcde"), KickstartCPIO(ks)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.Equal(b[:8], []byte("abcde\x00\x00\x00")) || !bytes.HasPrefix(b[8:], []byte("070701")) {
		t.Fatalf("not padded to 4 bytes: %q", b[:16])
	}
	dir := t.TempDir()
	cmd := exec.Command("cpio", "-i", "--quiet")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(b[8:])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v: %s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "ks.cfg"))
	if err != nil || !bytes.Equal(got, ks) {
		t.Errorf("ks.cfg = %q, %v; want %q", got, err, ks)
	}
}

func TestCPIOWriterEntries(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Fatal("cpio not found: run `go tool task deps`")
	}
	var buf bytes.Buffer
	w := NewCPIOWriter(&buf)
	w.Dir("bin", 0o755)
	w.File("bin/busybox", 0o755, []byte("x"))
	w.Symlink("bin/sh", "busybox")
	w.CharDev("dev/console", 0o600, 5, 1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", buf.Len())
	}
	cmd := exec.Command("cpio", "-itv", "--quiet")
	cmd.Stdin = bytes.NewReader(buf.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"drwxr-xr-x", "bin/busybox", "bin/sh -> busybox", "crw-------", "dev/console"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("cpio -itv lacks %q:\n%s", want, out)
		}
	}
}

func TestConsole(t *testing.T) {
	var raw, live bytes.Buffer
	c := &Console{Raw: &raw, Live: &live}
	login := c.Watch(regexp.MustCompile(`\blogin:\s*$`))
	panicked := c.Watch(regexp.MustCompile(`Kernel panic`))
	c.Write([]byte("\x1b[2J\x1bcSeaBIOS\r\nline one\r\nfix"))
	c.Write([]byte("ture login: "))
	select {
	case l := <-login:
		if l != "fixture login: " {
			t.Errorf("login watcher got %q", l)
		}
	default:
		t.Fatal("the unfinished prompt line did not match")
	}
	select {
	case l := <-panicked:
		t.Errorf("panic watcher got %q", l)
	default:
	}
	if got, want := live.String(), "SeaBIOS\nline one\n"; got != want {
		t.Errorf("live = %q, want %q", got, want)
	}
	if !strings.Contains(raw.String(), "\x1b[2J") {
		t.Errorf("raw lost the escapes: %q", raw.String())
	}
	if d := cmp.Diff([]string{"line one", "fixture login: "}, c.Tail(2)); d != "" {
		t.Errorf("Tail (-want +got):\n%s", d)
	}
	// A watcher added late sees lines already written.
	if l := <-c.Watch(regexp.MustCompile(`^line`)); l != "line one" {
		t.Errorf("late watcher got %q", l)
	}
}

// writeTree writes a minimal install tree for arch, with or without
// .treeinfo.
func writeTree(t *testing.T, arch string, treeinfo bool) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "images", "pxeboot"), 0o755)
	os.MkdirAll(filepath.Join(dir, "boot"), 0o755)
	os.WriteFile(filepath.Join(dir, "images/pxeboot/vmlinuz"), []byte("pxe-kernel"), 0o644)
	os.WriteFile(filepath.Join(dir, "images/pxeboot/initrd.img"), []byte("pxe-initrd"), 0o644)
	os.WriteFile(filepath.Join(dir, "boot/k"), []byte("kernel"), 0o644)
	os.WriteFile(filepath.Join(dir, "boot/i"), []byte("initrd"), 0o644)
	if treeinfo {
		ti := "[header]\nversion = 1.2\n\n[images-" + arch + "]\nkernel = boot/k\ninitrd = boot/i\n\n[checksums]\n" +
			"boot/k = sha256:" + sha256hex("kernel") + "\nboot/i = sha256:" + sha256hex("initrd") + "\n"
		os.WriteFile(filepath.Join(dir, ".treeinfo"), []byte(ti), 0o644)
	}
	return dir
}

func TestFindImagesAndFetch(t *testing.T) {
	for _, tc := range []struct {
		name               string
		treeinfo, http     bool
		wantKernel, wantIn string
	}{
		{"directory with .treeinfo", true, false, "kernel", "initrd"},
		{"directory without .treeinfo", false, false, "pxe-kernel", "pxe-initrd"},
		{"http with .treeinfo", true, true, "kernel", "initrd"},
		{"http without .treeinfo", false, true, "pxe-kernel", "pxe-initrd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, "aarch64", tc.treeinfo)
			tree := dir
			if tc.http {
				srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
				defer srv.Close()
				tree = srv.URL + "/"
			}
			ctx := context.Background()
			img, err := FindImages(ctx, http.DefaultClient, strings.TrimRight(tree, "/"), "aarch64")
			if err != nil {
				t.Fatal(err)
			}
			if img.FromTreeinfo != tc.treeinfo || (img.KernelSum != "") != tc.treeinfo {
				t.Errorf("images %+v, want from .treeinfo %v", img, tc.treeinfo)
			}
			cache, work := t.TempDir(), t.TempDir()
			for _, f := range []struct{ src, sum, want string }{{img.Kernel, img.KernelSum, tc.wantKernel}, {img.Initrd, img.InitrdSum, tc.wantIn}} {
				p, err := Fetch(ctx, http.DefaultClient, f.src, f.sum, cache, work)
				if err != nil {
					t.Fatal(err)
				}
				if b, _ := os.ReadFile(p); string(b) != f.want {
					t.Errorf("%s: got %q, want %q", f.src, b, f.want)
				}
				if tc.http && tc.treeinfo && filepath.Dir(p) != cache {
					t.Errorf("%s: a checksummed download is not cached: %s", f.src, p)
				}
			}
		})
	}
}

func TestFetchChecksumMismatch(t *testing.T) {
	dir := writeTree(t, "x86_64", false)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	_, err := Fetch(context.Background(), http.DefaultClient, srv.URL+"/boot/k", "sha256:"+sha256hex("other"), t.TempDir(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), ".treeinfo says") {
		t.Errorf("Fetch = %v, want a checksum error", err)
	}
}

func TestGuestURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/tree/x86_64": "http://10.0.2.2:8080/tree/x86_64",
		"http://localhost/tree":             "http://10.0.2.2/tree",
		"http://[::1]:9/t":                  "http://10.0.2.2:9/t",
		"https://mirror.example/t":          "https://mirror.example/t",
	} {
		if got := GuestURL(in); got != want {
			t.Errorf("GuestURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestParseSizeAndDuration(t *testing.T) {
	for in, want := range map[string]int64{"10": 10 << 30, "256M": 256 << 20, "2GiB": 2 << 30, "1GB": 1e9, "1.5G": 3 << 29,
		// Whole numbers are exact: a float64 would make this ...000.
		"9000000000000000001B": 9000000000000000001} {
		if got, err := ParseSize(in, 1<<30); err != nil || got != want {
			t.Errorf("ParseSize(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "10X", "G", "9000000000T", "9e9T"} {
		if _, err := ParseSize(bad, 1<<30); err == nil {
			t.Errorf("ParseSize(%q) succeeded", bad)
		}
	}
	for in, want := range map[string]time.Duration{"600": 600 * time.Second, "20m": 20 * time.Minute, "1.5": 1500 * time.Millisecond} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-3s", "soon", "9223372036854775807"} { // the last: seconds past time.Duration
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

func TestRootPartitionMBR(t *testing.T) {
	mbr := make([]byte, 512)
	set := func(i int, typ byte, sectors uint32) {
		e := mbr[446+16*i:]
		e[4] = typ
		binary.LittleEndian.PutUint32(e[12:], sectors)
	}
	set(0, 0x83, 2048) // /boot
	set(1, 0x82, 4096) // swap, the largest but not Linux data
	set(2, 0x83, 3000) // /
	mbr[510], mbr[511] = 0x55, 0xaa
	n, err := RootPartition(bytes.NewReader(mbr))
	if err != nil || n != 3 {
		t.Errorf("RootPartition = %d, %v; want 3", n, err)
	}
	if _, err := RootPartition(bytes.NewReader(make([]byte, 512))); err == nil {
		t.Error("a blank disk has a root partition")
	}
}

func TestRootPartitionGPT(t *testing.T) {
	disk := make([]byte, 34*512)
	disk[446+4] = 0xee
	disk[510], disk[511] = 0x55, 0xaa
	hdr := disk[512:]
	copy(hdr, "EFI PART")
	binary.LittleEndian.PutUint64(hdr[72:], 2)
	binary.LittleEndian.PutUint32(hdr[80:], 4)
	binary.LittleEndian.PutUint32(hdr[84:], 128)
	entry := func(i int, typ []byte, first, last uint64) {
		e := disk[1024+128*i:]
		copy(e, typ)
		binary.LittleEndian.PutUint64(e[32:], first)
		binary.LittleEndian.PutUint64(e[40:], last)
	}
	esp := []byte{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}
	linux := []byte{0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47, 0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4}
	entry(0, esp, 2048, 1000000)
	entry(1, linux, 1000001, 1100000)
	entry(2, linux, 1100001, 2000000)
	n, err := RootPartition(bytes.NewReader(disk))
	if err != nil || n != 3 {
		t.Errorf("RootPartition = %d, %v; want 3", n, err)
	}
}

func TestPcapCounter(t *testing.T) {
	p := filepath.Join(t.TempDir(), "net.pcap")
	c := &PcapCounter{Path: p}
	if n := c.Poll(); n != 0 {
		t.Errorf("no file: %d bytes", n)
	}
	f, _ := os.Create(p)
	f.Write(make([]byte, 24))
	rec := func(incl, orig uint32) {
		h := make([]byte, 16)
		binary.LittleEndian.PutUint32(h[8:], incl)
		binary.LittleEndian.PutUint32(h[12:], orig)
		f.Write(h)
		f.Write(make([]byte, incl))
	}
	rec(64, 1514)
	rec(60, 60)
	if n := c.Poll(); n != 1574 {
		t.Errorf("Poll = %d, want 1574", n)
	}
	rec(64, 9000)
	if n := c.Poll(); n != 10574 {
		t.Errorf("Poll = %d, want 10574", n)
	}
	f.Close()
}

// fakeQMP answers QMP on a unix socket: greeting, capabilities, then the
// replies given, in order, with an event before each.
func fakeQMP(t *testing.T, replies ...string) (string, <-chan string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "qmp-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 10)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		conn.Write([]byte(`{"QMP": {"version": {}, "capabilities": []}}` + "\n"))
		r.ReadBytes('\n')
		conn.Write([]byte(`{"return": {}}` + "\n"))
		for _, rep := range replies {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return
			}
			got <- strings.TrimSpace(string(line))
			conn.Write([]byte(`{"event": "RTC_CHANGE", "data": {}}` + "\n" + rep + "\n"))
		}
	}()
	return sock, got
}

func TestQMP(t *testing.T) {
	sock, got := fakeQMP(t,
		`{"return": [{"device": "disk0", "stats": {"rd_operations": 5, "wr_operations": 7}}, {"device": "", "stats": {"rd_operations": 1, "wr_operations": 0}}]}`,
		`{"return": {}}`,
		`{"error": {"class": "GenericError", "desc": "no display"}}`,
	)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := DialQMP(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ops, err := q.BlockOps(ctx)
	if err != nil || ops != 13 {
		t.Errorf("BlockOps = %d, %v; want 13", ops, err)
	}
	if err := q.Screendump(ctx, "/w/s.png"); err != nil {
		t.Errorf("Screendump: %v", err)
	}
	err = q.Screendump(ctx, "/w/s.png")
	if qe, ok := err.(*QMPError); !ok || qe.Desc != "no display" {
		t.Errorf("Screendump = %v, want the QMP error", err)
	}
	var cmds []map[string]any
	for range 3 {
		var c map[string]any
		json.Unmarshal([]byte(<-got), &c)
		cmds = append(cmds, c)
	}
	if cmds[0]["execute"] != "query-blockstats" || cmds[1]["execute"] != "screendump" {
		t.Errorf("commands sent: %v", cmds)
	}
	if args, _ := cmds[1]["arguments"].(map[string]any); args["format"] != "png" || args["filename"] != "/w/s.png" {
		t.Errorf("screendump arguments: %v", cmds[1]["arguments"])
	}
}

func TestDomainXMLValidates(t *testing.T) {
	if _, err := exec.LookPath("virt-xml-validate"); err != nil {
		t.Fatal("virt-xml-validate not found: run `go tool task deps`")
	}
	for _, d := range []Domain{
		{Name: "fixture-1.x86_64", Arch: "x86_64", MemoryMiB: 2048, CPUs: 1, Disk: "/s/objects/abc/disk.raw"},
		{Name: "fixture-1.x86_64 <uefi>", Arch: "x86_64", MemoryMiB: 512, Disk: "/s/o/disk.raw", UEFI: true},
		{Name: "fixture-1.aarch64", Arch: "aarch64", MemoryMiB: 1024, CPUs: 2, Disk: "/s/o/disk.qcow2", DiskFormat: "qcow2"},
	} {
		p := filepath.Join(t.TempDir(), "domain.xml")
		os.WriteFile(p, []byte(DomainXML(d)), 0o644)
		if out, err := exec.Command("virt-xml-validate", p, "domain").CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s\n%s", d.Name, err, out, DomainXML(d))
		}
	}
}

func TestRunDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "r1", "x86_64", "install")
	if got := RunDir(dir, "/fallback"); got != dir {
		t.Errorf("RunDir = %s, want %s", got, dir)
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		t.Errorf("RunDir did not create %s: %v", dir, err)
	}
	if got := RunDir("", "/fallback"); got != "/fallback" {
		t.Errorf("RunDir without a directory = %s", got)
	}
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
