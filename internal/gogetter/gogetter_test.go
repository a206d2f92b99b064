package gogetter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/gogetter"
	"github.com/imgpipe/imgpipe/internal/gogetter/helper"
)

func TestMain(m *testing.M) {
	remove := helper.RunAsHelper()
	code := m.Run()
	remove()
	os.Exit(code)
}

func TestDetect(t *testing.T) {
	got, err := gogetter.Runner{}.Detect(t.Context(), "git@gitlab.com:org/ks.git//sub?ref=v2", "/")
	if want := "git::ssh://git@gitlab.com/org/ks.git//sub?ref=v2"; got != want || err != nil {
		t.Errorf("Detect = %q, %v; want %q", got, err, want)
	}
	// go-getter's own error, passed on.
	if _, err := (gogetter.Runner{}).Detect(t.Context(), "", "/"); err == nil || !strings.Contains(err.Error(), "invalid source string") {
		t.Errorf("Detect of nothing: %v, want go-getter's error", err)
	}
}

func TestGetAndUnpack(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "ks.cfg")
	if err := os.WriteFile(src, []byte("text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy")
	if err := (gogetter.Runner{}).Get(t.Context(), "file://"+src, dst, "/", gogetter.ModeFile, false); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dst); string(b) != "text\n" {
		t.Errorf("the copy holds %q, %v", b, err)
	}
	// Unpacking, with the request's limits: none, then fewer bytes than
	// the file unpacks to.
	gz := filepath.Join(dir, "ks.cfg.gz")
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(strings.Repeat("lang en_US\n", 100)))
	zw.Close()
	if err := os.WriteFile(gz, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := (gogetter.Runner{}).Unpack(t.Context(), "gz", gz, out, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); len(got) != 1100 {
		t.Errorf("unpacked %d bytes, want 1100", len(got))
	}
	err := gogetter.Runner{Limits: gogetter.Limits{MaxUnpacked: 100}}.Unpack(t.Context(), "gz", gz, filepath.Join(dir, "small"), false)
	if err == nil || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Errorf("unpacking past MaxUnpacked: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "small")); err == nil {
		t.Error("a truncated file was left behind")
	}
}

func TestFind(t *testing.T) {
	t.Setenv(gogetter.EnvHelper, filepath.Join(t.TempDir(), "missing"))
	if _, err := gogetter.Find(); err == nil || !strings.Contains(err.Error(), gogetter.EnvHelper+"=") {
		t.Errorf("Find with a missing $%s: %v", gogetter.EnvHelper, err)
	}
	t.Setenv(gogetter.EnvHelper, "")
	t.Setenv("PATH", t.TempDir())
	_, err := gogetter.Find()
	var nf *gogetter.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "go install github.com/imgpipe/imgpipe/cmd/...") {
		t.Errorf("Find with no helper: %v", err)
	}
}

// script writes an executable shell script standing in for the helper.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-getter")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrokenHelper(t *testing.T) {
	r := gogetter.Runner{Path: script(t, "cat >/dev/null; echo 'panic: something broke' >&2; exit 3\n")}
	_, err := r.Detect(t.Context(), "x", "/")
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "panic: something broke") {
		t.Errorf("error %v, want the exit status and the helper's standard error", err)
	}
}

// TestCancel checks that cancellation kills the helper's whole process
// group: go-getter's git too, not just the helper.
func TestCancel(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pid")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r := gogetter.Runner{Path: script(t, "sleep 300 & echo $! > \""+fifo+"\"; wait\n")}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Get(ctx, "git::https://host/r.git", t.TempDir(), "/", gogetter.ModeDir, true) }()
	b, err := os.ReadFile(fifo) // blocks until the script has started sleep
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Get after cancel: %v, want context.Canceled", err)
	}
	// SIGKILL was sent to the group before Get returned; the kernel ends
	// the process shortly after.
	deadline := time.Now().Add(10 * time.Second)
	for running(child) {
		if time.Now().After(deadline) {
			t.Fatalf("the helper's child %d still runs after cancellation", child)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}
