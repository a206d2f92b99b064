package main

import (
	"context"
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
