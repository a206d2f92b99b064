//go:build remote

package podman

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteTree(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "in", "a.txt"), "a")
	mustWrite(t, filepath.Join(dir, "in", "sub", "b.txt"), "bb")
	if err := os.Symlink("a.txt", filepath.Join(dir, "in", "link")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "real.ks"), "ks")
	if err := os.Symlink("real.ks", filepath.Join(dir, "alias.ks")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeTree(&buf, []string{filepath.Join(dir, "in"), filepath.Join(dir, "alias.ks")}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		got[hdr.Name] = string(hdr.Typeflag) + ":" + string(b) + hdr.Linkname
	}
	p := strings.TrimPrefix(dir, "/")
	want := map[string]string{
		p + "/in/":          "5:",
		p + "/in/a.txt":     "0:a",
		p + "/in/link":      "2:a.txt",
		p + "/in/sub/":      "5:",
		p + "/in/sub/b.txt": "0:bb",
		// A symbolic link given as an input is followed.
		p + "/alias.ks": "0:ks",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("archive\n%q\nwant\n%q", got, want)
	}
}

func TestExtractTree(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(hdr *tar.Header, body string) {
		hdr.Size = int64(len(body))
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add(&tar.Header{Name: "out/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "out/disk.img", Typeflag: tar.TypeReg, Mode: 0o600}, "image")
	add(&tar.Header{Name: "out/logs/", Typeflag: tar.TypeDir, Mode: 0o700}, "")
	add(&tar.Header{Name: "out/logs/build.log", Typeflag: tar.TypeReg}, "log")
	add(&tar.Header{Name: "out/latest", Typeflag: tar.TypeSymlink, Linkname: "disk.img"}, "")
	add(&tar.Header{Name: "out/hard", Typeflag: tar.TypeLink, Linkname: "out/disk.img"}, "")
	add(&tar.Header{Name: "out/fifo", Typeflag: tar.TypeFifo}, "")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	mustWrite(t, filepath.Join(dir, "latest"), "a file that the link replaces")
	if err := extractTree(&buf, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"disk.img": "image", "logs/build.log": "log", "latest": "image", "hard": "image"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "disk.img")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("disk.img: %v, %v; want mode 0600", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "logs")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("logs: %v, %v; want mode 0700", fi, err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "latest")); err != nil || target != "disk.img" {
		t.Errorf("latest: %q, %v", target, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "fifo")); err == nil {
		t.Error("fifo extracted")
	}
}

// TestExtractTreeStaysInside: names and links that point out of the
// directory write nothing outside it.
func TestExtractTreeStaysInside(t *testing.T) {
	for _, entries := range [][]*tar.Header{
		{{Name: "out/../../escape", Typeflag: tar.TypeReg}},
		{{Name: "out/link", Typeflag: tar.TypeSymlink, Linkname: "../.."}, {Name: "out/link/escape", Typeflag: tar.TypeReg}},
		{{Name: "out/abs", Typeflag: tar.TypeSymlink, Linkname: "/tmp"}, {Name: "out/abs/escape", Typeflag: tar.TypeReg}},
	} {
		base := t.TempDir()
		dir := filepath.Join(base, "a", "out")
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, hdr := range entries {
			hdr.Mode = 0o644
			if err := tw.WriteHeader(hdr); err != nil {
				t.Fatal(err)
			}
		}
		tw.Close()
		_ = extractTree(&buf, dir) // an error is fine, an escape is not
		filepath.Walk(base, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Name() == "escape" && !strings.HasPrefix(p, dir+"/") {
				t.Errorf("entries %v wrote %s", entries, p)
			}
			return nil
		})
		if _, err := os.Stat("/tmp/escape"); err == nil {
			t.Errorf("entries %v wrote /tmp/escape", entries)
		}
	}
}

func TestStripFirst(t *testing.T) {
	for name, want := range map[string]string{"out": "", "out/": "", "out/a": "a", "/out/a/b": "a/b", "./out/a": "a", "out//a/": "a"} {
		got, ok := stripFirst(name)
		if got != want || ok != (want != "") {
			t.Errorf("stripFirst(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
