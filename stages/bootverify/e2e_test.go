package bootverify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/stagetest"
	"github.com/imgpipe/imgpipe/stages/bootverify"
)

// TestInstallThenBootVerify installs from the hermetic tree and boots the
// result, for x86_64 (tree over HTTP, without .treeinfo) and aarch64 (tree
// in a directory, with .treeinfo), under TCG. The package list comes from
// booting the installed disk.
func TestInstallThenBootVerify(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "qemu-system-aarch64", "qemu-img", "virt-xml-validate")
	httpTree := fixtures.Serve(t, tree, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	src := `
build {
  name    = "fixture"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}
locals {
  tree = { x86_64 = "` + httpTree + `/x86_64", aarch64 = "` + tree + `/aarch64" }
}
stage "guest-install" "install" {
  kickstart          = "ks.cfg"
  install_tree       = local.tree[arch]
  disk_size          = "256M"
  memory             = "512"
  accel              = "tcg"
  install_timeout    = "15m"
  inactivity_timeout = "120s"
}
stage "boot-verify" "verify" {
  disk         = stage.install.disk
  install_tree = local.tree[arch]
  memory       = "512"
  accel        = "tcg"
  timeout      = "10m"
}
`
	_, st, err := stagetest.Run(t, ctx, src, map[string]string{"ks.cfg": fixtures.E2EKickstart})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"busybox", "filesystem", "fixture-tools", "hello", "rpm", "systemd", "tree"}
	for _, arch := range []string{"x86_64", "aarch64"} {
		dir, res := object(t, st, "boot-verify", arch)
		var pkgs []bootverify.Package
		b, err := os.ReadFile(filepath.Join(dir, "packages.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &pkgs); err != nil {
			t.Fatalf("%s packages.json: %v", arch, err)
		}
		var names []string
		for _, p := range pkgs {
			names = append(names, p.Name)
			if p.BuildTime != 1700000000 || len(p.SigMD5) != 32 || p.Version == "" || p.Release == "" {
				t.Errorf("%s: package %+v lacks icicle fields", arch, p)
			}
			wantArch := arch
			if p.Name == "hello" || p.Name == "words" {
				wantArch = "noarch"
			}
			if p.Arch != wantArch {
				t.Errorf("%s: package %s has arch %s", arch, p.Name, p.Arch)
			}
			if p.Name == "busybox" && (p.Epoch == nil || *p.Epoch != 1 || p.Size == 0) {
				t.Errorf("%s: busybox %+v: want epoch 1 and a size", arch, p)
			}
			if p.Name == "hello" && p.Epoch != nil {
				t.Errorf("%s: hello has epoch %d, want none", arch, *p.Epoch)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: packages %v, want %v", arch, names, want)
		}
		_ = res

		// The installed disk is untouched by boot-verify, and its libvirt
		// XML is valid.
		idir, ires := object(t, st, "guest-install", arch)
		if got, want := sha256File(t, filepath.Join(idir, "disk.raw")), ires.Files["disk.raw"].SHA256; got != want {
			t.Errorf("%s: disk.raw changed after boot-verify: sha256 %s, recorded %s", arch, got, want)
		}
		xml := filepath.Join(idir, "libvirt.xml")
		if out, err := exec.Command("virt-xml-validate", xml, "domain").CombinedOutput(); err != nil {
			t.Errorf("%s: virt-xml-validate: %v\n%s", arch, err, out)
		}
		if b, _ := os.ReadFile(xml); !strings.Contains(string(b), filepath.Join(idir, "disk.raw")) {
			t.Errorf("%s: libvirt.xml does not name the disk's path %s:\n%s", arch, filepath.Join(idir, "disk.raw"), b)
		}
	}
}

// object finds the object a stage of kind for arch wrote: the directory of
// its files and its record.
func object(t *testing.T, st *store.Store, kind, arch string) (string, *store.Result) {
	t.Helper()
	recs, _ := filepath.Glob(filepath.Join(st.Dir, "objects", "*", store.ResultFile))
	for _, rec := range recs {
		b, err := os.ReadFile(rec)
		if err != nil {
			t.Fatal(err)
		}
		var r store.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind == kind && r.Arch == arch {
			return filepath.Dir(rec), &r
		}
	}
	t.Fatalf("no %s object for %s in %s", kind, arch, st.Dir)
	return "", nil
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
