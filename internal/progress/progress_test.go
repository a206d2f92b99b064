package progress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// script is a run over two arches with interleaved logs, a cached, a
// failed and a skipped stage, and a noarch stage.
func script() []events.Event {
	var es []events.Event
	at := 0
	add := func(e events.Event) {
		e.Run = "r1"
		e.Time = t0.Add(time.Duration(at) * time.Second)
		at++
		if e.Stage != "" {
			e.Kind = "exec"
			e.ID = fmt.Sprintf("%064x", len(e.Stage)*7+len(e.Arch))
		}
		es = append(es, e)
	}
	st := func(typ events.Type, stage, arch string) events.Event {
		return events.Event{Type: typ, Stage: stage, Arch: arch}
	}
	withLine := func(e events.Event, l string) events.Event { e.Line = l; return e }
	withDur := func(e events.Event, d time.Duration) events.Event { e.Duration = d; return e }
	withErr := func(e events.Event, s string) events.Event { e.Error = s; return e }

	add(events.Event{Type: events.RunStarted, Recipe: "build.yaml", Arches: []string{"x86_64", "aarch64"}, Stages: 7})
	add(st(events.StageQueued, "rootfs", "x86_64"))
	add(st(events.StageQueued, "rootfs", "aarch64"))
	add(st(events.StageStarted, "rootfs", "x86_64"))
	add(st(events.StageCached, "rootfs", "aarch64"))
	add(withLine(st(events.StageLog, "rootfs", "x86_64"), "installing 212 packages"))
	onBuilder := st(events.StageStarted, "disk", "aarch64")
	onBuilder.Builder = "arm-b" // a builder pool's stage
	add(onBuilder)
	add(withLine(st(events.StageLog, "rootfs", "x86_64"), ""))
	add(withLine(st(events.StageLog, "disk", "aarch64"), "mkfs.ext4 /dev/loop0p2"))
	add(withLine(st(events.StageLog, "rootfs", "x86_64"), "\tconfiguring systemd"))
	add(withDur(st(events.StageDone, "rootfs", "x86_64"), 41300*time.Millisecond))
	add(st(events.StageStarted, "disk", "x86_64"))
	add(withLine(st(events.StageLog, "disk", "aarch64"), "mount: permission denied"))
	add(withErr(withDur(st(events.StageFailed, "disk", "aarch64"), 3200*time.Millisecond), "exit status 1"))
	add(withErr(st(events.StageSkipped, "image", "aarch64"), "input disk [aarch64] failed"))
	add(withLine(st(events.StageLog, "disk", "x86_64"), "ok"))
	add(withDur(st(events.StageDone, "disk", "x86_64"), 500*time.Millisecond))
	add(st(events.StageCached, "sbom", "noarch"))
	add(st(events.StageStarted, "image", "x86_64"))
	add(st(events.StageDone, "image", "x86_64"))
	add(events.Event{Type: events.RunFinished, Status: "succeeded", FailedArches: []string{"aarch64"}})
	return es
}

const wantPlain = `run r1: build.yaml for x86_64, aarch64 (7 stages)
#1 [x86_64] rootfs (exec)
#2 [aarch64] rootfs (exec)
#2 CACHED
#1 installing 212 packages
#3 [aarch64] disk (exec)
#3 on builder arm-b
#1
#3 mkfs.ext4 /dev/loop0p2
#1 	configuring systemd
#1 DONE 41.3s
#4 [x86_64] disk (exec)
#3 mount: permission denied
#3 ERROR: exit status 1
#5 [aarch64] image (exec)
#5 SKIPPED: input disk [aarch64] failed
#4 ok
#4 DONE 0.5s
#6 [noarch] sbom (exec)
#6 CACHED
#7 [x86_64] image (exec)
#7 DONE 0.0s
run r1 succeeded: 3 done, 2 cached, 1 failed, 1 skipped
failed arches: aarch64
`

func TestPlain(t *testing.T) {
	var b bytes.Buffer
	r, err := New(Plain, &b)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range script() {
		r.Emit(e)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Emit(events.Event{Type: events.StageLog, Stage: "late", Line: "after Close"})
	if got := b.String(); got != wantPlain {
		t.Errorf("got:\n%s\nwant:\n%s", got, wantPlain)
	}
}

func TestPlainEdges(t *testing.T) {
	var b bytes.Buffer
	r, _ := New(Plain, &b)
	for _, e := range []events.Event{
		{Type: events.StageLog, Run: "r2", Stage: "fetch", Line: "log before start\r"},
		{Type: events.StageFailed, Run: "r2", Stage: "fetch", Error: "download failed:\n404 Not Found\n"},
		{Type: events.StageSkipped, Run: "r2", ID: "0123456789abcdef0123", Arch: "riscv64"},
		{Type: events.RunFinished, Run: "r2", Error: "interrupted by signal"},
	} {
		r.Emit(e)
	}
	const want = `#1 fetch
#1 log before start
#1 ERROR: download failed:
#1 404 Not Found
#2 [riscv64] 0123456789ab
#2 SKIPPED
run r2 finished: 1 failed, 1 skipped
error: interrupted by signal
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

// The plain view numbers stages as the plan does (#N of the event), and
// says why early cutoff reused an object.
func TestPlainNumbersAndCutoff(t *testing.T) {
	var b bytes.Buffer
	r, _ := New(Plain, &b)
	for _, e := range []events.Event{
		{Type: events.StageCached, Stage: "install", Kind: "guest-install", Arch: "x86_64", N: 3, Reason: "its inputs hold the same bytes as when object 0123456789ab was made"},
		{Type: events.StageCached, Stage: "ks", Kind: "fetch-ks", N: 1, Reason: "its object exists"},
	} {
		r.Emit(e)
	}
	const want = `#3 [x86_64] install (guest-install)
#3 CACHED: its inputs hold the same bytes as when object 0123456789ab was made
#1 ks (fetch-ks)
#1 CACHED
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteErrors(t *testing.T) {
	for _, m := range []Mode{TTY, Plain, JSON} {
		w := &failWriter{}
		r, err := New(m, w, WithRefresh(0))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range script() {
			r.Emit(e)
		}
		if err := r.Close(); err == nil || err.Error() != "disk full" {
			t.Errorf("%s: Close() = %v, want disk full", m, err)
		}
		if w.n == 0 {
			t.Errorf("%s: never wrote", m)
		}
	}
}

func TestModes(t *testing.T) {
	_, err := New("fancy", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `"fancy"`) || !strings.Contains(err.Error(), "auto, tty, plain, json") {
		t.Errorf("New(fancy): %v", err)
	}
	var m Mode
	if err := m.Set("json"); err != nil || m != JSON {
		t.Errorf("Set(json): %v, %q", err, m)
	}
	if err := m.Set(""); err == nil {
		t.Error("Set(\"\") succeeded")
	}
	for _, s := range Modes() {
		if p, err := ParseMode(s.String()); err != nil || p != s {
			t.Errorf("ParseMode(%s) = %s, %v", s, p, err)
		}
	}

	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name string
		term string
		opts []Option
		out  io.Writer
		want string
	}{
		{"buffer", "xterm", nil, &bytes.Buffer{}, "plain"},
		{"file", "xterm", nil, f, "plain"},
		{"terminal", "xterm", []Option{WithTerminal(true)}, &bytes.Buffer{}, "tty"},
		{"dumb terminal", "dumb", []Option{WithTerminal(true)}, &bytes.Buffer{}, "plain"},
		{"not a terminal", "xterm", []Option{WithTerminal(false)}, &bytes.Buffer{}, "plain"},
	} {
		t.Setenv("TERM", tc.term)
		r, err := New(Auto, tc.out, append(tc.opts, WithRefresh(0))...)
		if err != nil {
			t.Fatal(err)
		}
		got := map[bool]string{true: "tty", false: "plain"}[isTTY(r)]
		if got != tc.want {
			t.Errorf("%s: auto chose %s, want %s", tc.name, got, tc.want)
		}
		r.Close()
	}

	t.Setenv("NO_COLOR", "1")
	r, _ := New(TTY, &bytes.Buffer{}, WithRefresh(0))
	if r.(*tty).color {
		t.Error("NO_COLOR set, but colored")
	}
	r, _ = New(TTY, &bytes.Buffer{}, WithRefresh(0), WithColor(true))
	if !r.(*tty).color {
		t.Error("WithColor(true) ignored")
	}
	t.Setenv("NO_COLOR", "")
	r, _ = New(TTY, &bytes.Buffer{}, WithRefresh(0))
	if !r.(*tty).color {
		t.Error("NO_COLOR empty, but not colored")
	}
}

func isTTY(r Renderer) bool { _, ok := r.(*tty); return ok }

// TestConcurrent emits from many goroutines into every renderer, the
// tty one redrawing every millisecond meanwhile; run it with -race.
func TestConcurrent(t *testing.T) {
	const workers, stages = 8, 20
	for _, m := range []Mode{TTY, Plain, JSON} {
		var out syncbuf.Buffer
		r, err := New(m, &out, WithRefresh(time.Millisecond), WithColor(false))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				arch := fmt.Sprintf("arch%d", w)
				for i := range stages {
					stage := fmt.Sprintf("s%d", i)
					r.Emit(events.Event{Type: events.StageStarted, Stage: stage, Arch: arch})
					for j := range 3 {
						r.Emit(events.Event{Type: events.StageLog, Stage: stage, Arch: arch, Line: fmt.Sprint("line ", j)})
					}
					r.Emit(events.Event{Type: events.StageDone, Stage: stage, Arch: arch, Duration: time.Second})
				}
			})
		}
		wg.Wait()
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		want := workers * stages
		var got int
		switch m {
		case TTY:
			screen := emulate(t, text)
			got = countPrefix(screen, "✔ ")
			if len(screen) != want {
				t.Errorf("tty: %d lines on screen, want %d done lines only:\n%s", len(screen), want, strings.Join(screen, "\n"))
			}
		case Plain:
			got = strings.Count(text, " DONE 1.0s\n")
		case JSON:
			got = strings.Count(text, `"type":"stage.done"`)
			if n := strings.Count(text, "\n"); n != workers*stages*5 {
				t.Errorf("json: %d lines, want %d", n, workers*stages*5)
			}
		}
		if got != want {
			t.Errorf("%s: %d stages done, want %d", m, got, want)
		}
	}
}

func countPrefix(lines []string, p string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, p) {
			n++
		}
	}
	return n
}
