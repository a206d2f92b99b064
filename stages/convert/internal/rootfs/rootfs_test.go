package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requireTool fails the test when a tool the test needs is missing, naming
// the script that installs it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	for _, dir := range []string{"", "/usr/sbin", "/sbin"} {
		p := name
		if dir != "" {
			p = filepath.Join(dir, name)
		}
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	t.Fatalf("%s not found: run scripts/install-deps (go tool task deps)", name)
	return ""
}

func run(t *testing.T, argv ...string) {
	t.Helper()
	argv[0] = requireTool(t, argv[0])
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// makeTree writes a directory tree with every kind of file the reader must
// get right, and returns its path.
func makeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/hello", []byte("hello from the disk\n"), 0o644)
	write("etc/fstab", []byte("/dev/vda1 / ext4 defaults 0 0\n"), 0o644)
	write("etc/empty", nil, 0o600)
	write("usr/bin/setuid", []byte("#!/bin/sh\n"), 0o4755|os.ModeSetuid)
	if err := os.Chmod(filepath.Join(root, "usr/bin/setuid"), 0o755|os.ModeSetuid|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	write("tmp/sticky/.keep", nil, 0o644)
	if err := os.Chmod(filepath.Join(root, "tmp/sticky"), 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 300<<10+123) // past the double-indirect blocks of 1 KiB ext2
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	write("var/big", big, 0o644)
	// A sparse file of 12 data runs: more extents than fit in the inode,
	// so the extent tree gets an index level.
	sp, err := os.Create(filepath.Join(root, "var/sparse"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := sp.WriteAt(bytes.Repeat([]byte{byte('a' + i)}, 5000), int64(i)*200<<10); err != nil {
			t.Fatal(err)
		}
	}
	sp.Close()
	// Only a hole: no extents at all.
	if err := os.WriteFile(filepath.Join(root, "var/hole"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(root, "var/hole"), 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("hello", filepath.Join(root, "etc/short-link")); err != nil {
		t.Fatal(err)
	}
	long := "../" + strings.Repeat("a-rather-long-directory-name/", 4) + "target"
	if err := os.Symlink(long, filepath.Join(root, "etc/long-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(root, "etc/hello"), filepath.Join(root, "etc/hello-hardlink")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "etc/fifo"), 0o640); err != nil {
		t.Fatal(err)
	}
	// A directory big enough for an htree index.
	for i := range 400 {
		write(fmt.Sprintf("many/entry-with-a-longish-name-%04d", i), []byte{byte(i)}, 0o644)
	}
	write("deep/a/b/c/d/e/f/g/file with spaces and ünïcode", []byte("deep\n"), 0o644)
	// mkfs -d keeps no more than 32 bits of seconds (e2fsprogs 1.47):
	// TestMtimeAfter2038 sets the extra bits itself.
	when := time.Date(2037, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "etc/hello"), when, when); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		write("home/user/owned", []byte("mine\n"), 0o640)
		for _, p := range []string{"home/user", "home/user/owned"} {
			if err := os.Lchown(filepath.Join(root, p), 1234, 5678); err != nil {
				t.Fatal(err)
			}
		}
		if err := syscall.Mknod(filepath.Join(root, "dev-null"), syscall.S_IFCHR|0o666, int(1<<8|3)); err != nil {
			t.Fatal(err)
		}
		// A device number in the new encoding (minor > 255).
		if err := syscall.Mknod(filepath.Join(root, "dev-big"), syscall.S_IFBLK|0o660, int(259<<8|(300&0xff)|(300&^0xff)<<12)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// mkfs makes a file system image of size MiB from tree with the given
// mkfs program and options.
func mkfs(t *testing.T, tree string, size int64, prog string, opts ...string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "fs.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	argv := append([]string{prog, "-q", "-F", "-d", tree}, opts...)
	run(t, append(argv, img)...)
	return img
}

type member struct {
	typ      byte
	mode     int64
	uid, gid int
	mtime    int64
	link     string
	content  string
	major    int64
	minor    int64
}

// fromTree describes what tar should hold for each file of tree.
func fromTree(t *testing.T, tree string) map[string]member {
	t.Helper()
	want := map[string]member{}
	seen := map[uint64]string{}
	err := filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(tree, p)
		name := "./" + rel
		if rel == "." {
			name = "./"
		} else if d.IsDir() {
			name += "/"
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		m := member{mode: int64(st.Mode & 0o7777), uid: int(st.Uid), gid: int(st.Gid), mtime: st.Mtim.Sec}
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFDIR:
			m.typ = tar.TypeDir
		case syscall.S_IFREG:
			m.typ = tar.TypeReg
			if first, ok := seen[st.Ino]; ok && st.Nlink > 1 {
				m.typ, m.link = tar.TypeLink, first
				break
			}
			seen[st.Ino] = name
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m.content = string(b)
		case syscall.S_IFLNK:
			m.typ = tar.TypeSymlink
			m.link, _ = os.Readlink(p)
		case syscall.S_IFIFO:
			m.typ = tar.TypeFifo
		case syscall.S_IFCHR, syscall.S_IFBLK:
			m.typ = tar.TypeChar
			if st.Mode&syscall.S_IFMT == syscall.S_IFBLK {
				m.typ = tar.TypeBlock
			}
			m.major = int64(st.Rdev >> 8 & 0xfff)
			m.minor = int64(st.Rdev&0xff | st.Rdev>>12&0xfff00)
		}
		want[name] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func readTar(t *testing.T, data []byte) (map[string]member, []string) {
	t.Helper()
	got := map[string]member{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(data))
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
		got[h.Name] = member{typ: h.Typeflag, mode: h.Mode, uid: h.Uid, gid: h.Gid, mtime: h.ModTime.Unix(),
			link: h.Linkname, content: string(b), major: h.Devmajor, minor: h.Devminor}
		order = append(order, h.Name)
	}
	return got, order
}

func TestWriteTarMatchesTree(t *testing.T) {
	tree := makeTree(t)
	want := fromTree(t, tree)
	for _, c := range []struct {
		name string
		prog string
		opts []string
		fs   string
		// skip are files mkfs itself gets wrong in this variant.
		skip string
	}{
		{"ext4", "mkfs.ext4", nil, "ext4", ""},
		{"ext4-inline-data", "mkfs.ext4", []string{"-O", "inline_data"}, "ext4", ""},
		{"ext4-meta-bg", "mkfs.ext4", []string{"-O", "meta_bg,^resize_inode", "-b", "1024", "-N", "4096"}, "ext4", ""},
		{"ext4-32bit-128-byte-inodes", "mkfs.ext4", []string{"-O", "^64bit,^metadata_csum", "-I", "128"}, "ext4", ""},
		{"ext3", "mkfs.ext3", nil, "ext3", ""},
		{"ext2-1k-blocks", "mkfs.ext2", []string{"-b", "1024"}, "ext2", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := mkfs(t, tree, 32, c.prog, c.opts...)
			f, err := os.Open(img)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			if got := Detect(f); got != c.fs {
				t.Errorf("Detect = %q, want %q", got, c.fs)
			}
			fsys, err := Open(f, 0, fi.Size())
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			stats, err := fsys.WriteTar(context.Background(), &buf, TarOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, order := readTar(t, buf.Bytes())
			if stats.Entries != len(order) {
				t.Errorf("stats say %d entries, the archive has %d", stats.Entries, len(order))
			}
			if order[0] != "./" {
				t.Errorf("first member %q, want ./", order[0])
			}
			for name, w := range want {
				g, ok := got[name]
				if !ok {
					t.Errorf("%s: missing from the archive", name)
					continue
				}
				if name == "./" || name == c.skip {
					continue // mkfs gives the root directory its own mode and time
				}
				if g != w {
					g.content, w.content = short(g.content), short(w.content)
					t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok && !strings.HasPrefix(name, "./lost+found/") {
					t.Errorf("%s: in the archive but not in the tree", name)
				}
			}
			// Reading again gives the same bytes.
			var again bytes.Buffer
			if _, err := fsys.WriteTar(context.Background(), &again, TarOptions{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("a second WriteTar wrote different bytes")
			}
			if b, err := fsys.ReadFile("/etc/hello"); err != nil || string(b) != "hello from the disk\n" {
				t.Errorf("ReadFile(/etc/hello) = %q, %v", b, err)
			}
		})
	}
}

func short(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q... (%d bytes)", s[:40], len(s))
	}
	return s
}

func TestWriteTarExclude(t *testing.T) {
	tree := makeTree(t)
	img := mkfs(t, tree, 32, "mkfs.ext4")
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	fsys, err := Open(f, 0, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = fsys.WriteTar(context.Background(), &buf, TarOptions{Exclude: func(name string) bool {
		return name == "./etc/fstab" || name == "./many"
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readTar(t, buf.Bytes())
	for name := range got {
		if name == "./etc/fstab" || strings.HasPrefix(name, "./many/") {
			t.Errorf("%s was not excluded", name)
		}
	}
	if _, ok := got["./etc/hello"]; !ok {
		t.Error("./etc/hello is missing")
	}
}

func TestWriteTarCancelled(t *testing.T) {
	tree := makeTree(t)
	img := mkfs(t, tree, 32, "mkfs.ext4")
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	fsys, err := Open(f, 0, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fsys.WriteTar(ctx, io.Discard, TarOptions{}); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// disk makes a raw disk of size MiB with the sfdisk script and copies each
// image into the partition of the same index.
func disk(t *testing.T, size int64, script string, images map[int]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.raw")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sfdisk := exec.Command(requireTool(t, "sfdisk"), "--no-reread", "--no-tell-kernel", "-q", p)
	sfdisk.Stdin = strings.NewReader(script)
	if out, err := sfdisk.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	for n, img := range images {
		out, err := exec.Command(requireTool(t, "sfdisk"), "-J", p).Output()
		if err != nil {
			t.Fatal(err)
		}
		start := partStart(t, string(out), n)
		run(t, "dd", "if="+img, "of="+p, "bs=512", fmt.Sprintf("seek=%d", start), "conv=notrunc,sparse", "status=none")
	}
	return p
}

// partStart finds partition n's start sector in sfdisk -J output.
func partStart(t *testing.T, js string, n int) int64 {
	t.Helper()
	var out struct {
		PartitionTable struct {
			Partitions []struct {
				Node  string `json:"node"`
				Start int64  `json:"start"`
			} `json:"partitions"`
		} `json:"partitiontable"`
	}
	if err := json.Unmarshal([]byte(js), &out); err != nil {
		t.Fatal(err)
	}
	for _, p := range out.PartitionTable.Partitions {
		if strings.HasSuffix(p.Node, fmt.Sprint(n)) {
			return p.Start
		}
	}
	t.Fatalf("partition %d not in %s", n, js)
	return 0
}

func TestFindRoot(t *testing.T) {
	tree := makeTree(t)
	root := mkfs(t, tree, 24, "mkfs.ext4", "-L", "root")
	boot := t.TempDir()
	if err := os.WriteFile(filepath.Join(boot, "vmlinuz"), []byte("kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	bootImg := mkfs(t, boot, 8, "mkfs.ext4", "-L", "boot")
	// An xfs file system this package cannot read: its magic number is
	// enough for Detect.
	xfs := filepath.Join(t.TempDir(), "xfs.img")
	if err := os.WriteFile(xfs, []byte("XFSB"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		script string
		images map[int]string
		table  string
		want   int
		fs     string
	}{
		{"mbr-one-partition", "label: dos\nstart=2048, type=83\n", map[int]string{1: root}, "dos", 1, "ext4"},
		{"mbr-boot-and-root", "label: dos\nstart=2048, size=8MiB, type=83\nsize=24MiB, type=83\n", map[int]string{1: bootImg, 2: root}, "dos", 2, "ext4"},
		{"mbr-logical-root", "label: dos\nstart=2048, size=8MiB, type=83\ntype=5\ntype=83\n", map[int]string{1: bootImg, 5: root}, "dos", 5, "ext4"},
		{"mbr-boot-and-xfs-root", "label: dos\nstart=2048, size=8MiB, type=83\nsize=4MiB, type=82\nsize=24MiB, type=83\n", map[int]string{1: bootImg, 3: xfs}, "dos", 3, "xfs"},
		{"gpt-bios-boot-efi-root", "label: gpt\nsize=1MiB, type=21686148-6449-6E6F-744E-656564454649\nsize=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nsize=24MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n", map[int]string{3: root}, "gpt", 3, "ext4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := disk(t, 40, c.script, c.images)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			table, parts, err := Partitions(f, fi.Size())
			if err != nil {
				t.Fatal(err)
			}
			if table != c.table {
				t.Errorf("table %q, want %q (%v)", table, c.table, parts)
			}
			got, err := FindRoot(f, fi.Size())
			if err != nil {
				t.Fatal(err)
			}
			if got.Number != c.want || got.FS != c.fs {
				t.Fatalf("FindRoot = %v, want partition %d (%s); partitions %v", got, c.want, c.fs, parts)
			}
			if c.fs != "ext4" {
				return
			}
			fsys, err := Open(f, got.Start, got.Size)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := fsys.ReadFile("/etc/hello"); err != nil || string(b) != "hello from the disk\n" {
				t.Errorf("ReadFile = %q, %v", b, err)
			}
		})
	}
	t.Run("no-table", func(t *testing.T) {
		f, err := os.Open(root)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		got, err := FindRoot(f, fi.Size())
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != 0 || got.Start != 0 || got.Size != fi.Size() {
			t.Errorf("FindRoot = %v, want the whole disk", got)
		}
	})
	t.Run("no-root", func(t *testing.T) {
		p := disk(t, 16, "label: dos\nstart=2048, size=8MiB, type=83\n", map[int]string{1: bootImg})
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		_, err = FindRoot(f, fi.Size())
		if err == nil || !strings.Contains(err.Error(), "partition 1 (ext4") {
			t.Errorf("err = %v, want one that lists partition 1", err)
		}
	})
}

func TestBootSectorIsNotAnMBR(t *testing.T) {
	// A FAT boot sector ends in 55 aa too; its "entries" are boot code.
	b := make([]byte, 1<<20)
	copy(b[0x36:], "FAT16   ")
	for i := 446; i < 510; i++ {
		b[i] = byte(i)
	}
	b[510], b[511] = 0x55, 0xaa
	table, parts, err := Partitions(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if table != "" || len(parts) != 1 || parts[0].FS != "vfat" {
		t.Errorf("Partitions = %q, %v; want no table and one vfat whole disk", table, parts)
	}
}

func TestOpenRefuses(t *testing.T) {
	tree := t.TempDir()
	img := mkfs(t, tree, 8, "mkfs.ext4")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	// needs_recovery
	data[1024+0x60] |= incompatRecover
	if _, err := Open(bytes.NewReader(data), 0, int64(len(data))); err == nil || !strings.Contains(err.Error(), "recovery") {
		t.Errorf("needs_recovery: err = %v", err)
	}
	data[1024+0x60] &^= incompatRecover
	data[1024+0x62] |= 0x01 // encrypt (0x10000)
	if _, err := Open(bytes.NewReader(data), 0, int64(len(data))); err == nil || !strings.Contains(err.Error(), "features") {
		t.Errorf("encrypt: err = %v", err)
	}
	if _, err := Open(bytes.NewReader(make([]byte, 1<<16)), 0, 1<<16); err == nil {
		t.Error("zeros opened as ext4")
	}
}

// TestMtimeAfter2038 sets the epoch bits of i_mtime_extra, which mkfs -d
// does not write, and expects them in the tar.
func TestMtimeAfter2038(t *testing.T) {
	tree := t.TempDir()
	if err := os.WriteFile(filepath.Join(tree, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(tree, "f"), when, when); err != nil {
		t.Fatal(err)
	}
	img := mkfs(t, tree, 8, "mkfs.ext4", "-I", "256")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := Open(bytes.NewReader(data), 0, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	in, err := fsys.lookup("/f")
	if err != nil {
		t.Fatal(err)
	}
	g, idx := (in.ino-1)/fsys.ipg, (in.ino-1)%fsys.ipg
	d, err := fsys.descriptor(g)
	if err != nil {
		t.Fatal(err)
	}
	table := int64(binary.LittleEndian.Uint32(d[0x8:]))
	off := table*fsys.bs + int64(idx)*fsys.inoSize
	data[off+0x88] |= 1 // one more epoch: + 2^32 seconds
	// metadata_csum would now fail in the kernel; this reader does not check it.
	fsys, err = Open(bytes.NewReader(data), 0, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := fsys.WriteTar(context.Background(), &buf, TarOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := readTar(t, buf.Bytes())
	if want := when.Unix() + 1<<32; got["./f"].mtime != want {
		t.Errorf("mtime %d, want %d", got["./f"].mtime, want)
	}
}
