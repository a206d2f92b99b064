package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckToolMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	f := checkTool(context.Background(), hostTool{"qemu-img", "qemu-utils", "convert"})
	if f.Status != statusWarn || f.Detail != "not found; needed by convert" || !strings.HasPrefix(f.Fix, "apt-get install qemu-utils ") {
		t.Errorf("checkTool without qemu-img on PATH: %+v", f)
	}
}

func TestCheckFirmwareMissing(t *testing.T) {
	f := checkFirmware("aarch64", "/nonexistent/AAVMF_CODE.fd", "qemu-efi-aarch64")
	if f.Status != statusWarn || !strings.Contains(f.Detail, `firmware = "uefi" cannot boot aarch64`) || f.Fix != "apt-get install qemu-efi-aarch64" {
		t.Errorf("checkFirmware of a missing file: %+v", f)
	}
}

// doctor RECIPE fails (exit 1) when a program the recipe's stages run is
// missing, naming the stage, and leaves podman out when no stage runs in
// a container. Without a recipe the same machine only gets warnings.
func TestDoctorRecipeNeeds(t *testing.T) {
	dir := t.TempDir()
	recipePath := filepath.Join(dir, "disk.hcl")
	src := `
build {
  name    = "disk"
  version = "1"
  arches  = ["aarch64"]
}
stage "exec" "make" {
  command = ["sh", "-c", "truncate -s 1M \"$IMGPIPE_OUT/disk.raw\""]
  outputs = ["disk.raw"]
}
stage "convert" "images" {
  disk    = stage.make["disk.raw"]
  formats = ["qcow2", "raw-xz"]
}
`
	if err := os.WriteFile(recipePath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINER_HOST", "unix://"+filepath.Join(dir, "no-podman.sock"))
	t.Setenv("PATH", t.TempDir()) // no host tool at all

	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"doctor", "--store", filepath.Join(dir, "store"), recipePath}, &out, &errOut); code != exitFailed {
		t.Errorf("doctor RECIPE with its tools missing exited %d, want %d\n%s%s", code, exitFailed, out.String(), errOut.String())
	}
	for _, want := range []string{
		"fail  qemu-img",
		"not found; disk.hcl needs it: stage images [aarch64] (convert)",
		"fail  xz",
		"warn  qemu-system-aarch64", // convert does not boot anything
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor RECIPE does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "podman") {
		t.Errorf("doctor flags podman for a recipe that runs nothing in a container:\n%s", out.String())
	}

	out.Reset()
	if code := run(context.Background(), []string{"doctor", "--store", filepath.Join(dir, "store")}, &out, &errOut); code != exitOK {
		t.Errorf("doctor without a recipe exited %d on missing tools, want 0 (warnings)\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "warn  podman") {
		t.Errorf("doctor without a recipe does not check podman:\n%s", out.String())
	}
}
