package guestinstall_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/stagetest"
)

// A kickstart without rootpw or user: the installer waits for input, as
// Anaconda does, and the inactivity watchdog fails the install.
const waitingKS = `zerombr
clearpart --all --initlabel
autopart
poweroff
%packages
@core
%end
`

func TestInactivityFailsWithScreenshotAndConsole(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	_, _, err := stagetest.Run(t, ctx, `
build {
  name    = "waits"
  version = "1"
  arches  = ["x86_64"]
}
stage "guest-install" "install" {
  kickstart          = "ks.cfg"
  install_tree       = "`+tree+`/${arch}"
  disk_size          = "256M"
  memory             = "512"
  accel              = "tcg"
  install_timeout    = "600"
  inactivity_timeout = "20s"
}
`, map[string]string{"ks.cfg": waitingKS})
	if err == nil {
		t.Fatal("the install succeeded")
	}
	msg := err.Error()
	t.Logf("the error:\n%s", msg)
	if !strings.Contains(msg, "no disk or network activity in 20s") {
		t.Errorf("the error does not name the inactivity:\n%s", msg)
	}
	if !strings.Contains(msg, "Root password") {
		t.Errorf("the error does not quote the installer's prompt:\n%s", msg)
	}
	if d := time.Since(start); d > 3*time.Minute {
		t.Errorf("took %s, want well under the 600s install timeout", d)
	}
	if field(msg, "console log: ") == "" {
		t.Errorf("no console log named:\n%s", msg)
	}
	shot := field(msg, "screenshot: ")
	if shot == "" {
		t.Fatalf("no screenshot named:\n%s", msg)
	}
	b, rerr := os.ReadFile(shot)
	if rerr != nil {
		t.Fatalf("screenshot: %v", rerr)
	}
	img, perr := png.Decode(bytes.NewReader(b))
	if perr != nil {
		t.Fatalf("screenshot is not a PNG: %v", perr)
	}
	if oneColour(img) {
		t.Errorf("the screenshot is a single colour")
	}
}

func oneColour(img image.Image) bool {
	bnd := img.Bounds()
	first := img.At(bnd.Min.X, bnd.Min.Y)
	r0, g0, b0, _ := first.RGBA()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r != r0 || g != g0 || b != b0 {
				return false
			}
		}
	}
	return true
}

// field returns the rest of the line after prefix in msg.
func field(msg, prefix string) string {
	for _, l := range strings.Split(msg, "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v
		}
	}
	return ""
}

// Interrupting a run during an install (as SIGINT does: the context is
// cancelled) leaves no qemu process and no object, whole or partial.
func TestCancelDuringInstallLeavesNothing(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timeout := time.AfterFunc(5*time.Minute, cancel)
	defer timeout.Stop()
	var once sync.Once
	installing := false
	sum, st, _ := stagetest.Run(t, ctx, `
build {
  name    = "cancelled"
  version = "1"
  arches  = ["x86_64"]
}
stage "guest-install" "install" {
  kickstart    = "ks.cfg"
  install_tree = "`+tree+`/${arch}"
  disk_size    = "256M"
  memory       = "512"
  accel        = "tcg"
}
`, map[string]string{"ks.cfg": waitingKS}, func(e events.Event) {
		if e.Type == events.StageLog && strings.Contains(e.Line, "Starting installer") {
			once.Do(func() { installing = true; cancel() })
		}
	})
	if !installing {
		t.Fatalf("the install never started")
	}
	if sum == nil || sum.Status != "interrupted" {
		t.Errorf("summary %+v, want status interrupted", sum)
	}
	if procs := processesMentioning(t, st.Dir); len(procs) > 0 {
		t.Errorf("processes left running: %v", procs)
	}
	objs, _ := filepath.Glob(filepath.Join(st.Dir, "objects", "*"))
	var tmps []string
	all, _ := filepath.Glob(filepath.Join(st.Dir, "tmp", "*"))
	for _, p := range all {
		if filepath.Base(p) != "locks" {
			tmps = append(tmps, p)
		}
	}
	if len(objs)+len(tmps) > 0 {
		t.Errorf("the store keeps objects %v and temporary files %v", objs, tmps)
	}
}

// processesMentioning lists the processes whose command line mentions s.
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmd, s) {
			out = append(out, filepath.Base(d)+": "+cmd)
		}
	}
	return out
}
