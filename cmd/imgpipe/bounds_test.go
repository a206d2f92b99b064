package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/internal/lines"
)

// countingWriter counts what it is given and keeps its first bytes.
type countingWriter struct {
	n    int64
	head bytes.Buffer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if room := 64<<10 - c.head.Len(); room > 0 {
		c.head.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// A stage printing 128 MiB without a newline keeps imgpipe under 64 MiB
// of memory; its log file, events.jsonl and the progress output stay
// bounded and say where output was cut or left out.
//
// It measures a real imgpipe binary, built here: this test binary, with
// the test harness and every test's dependencies, starts at 54 MiB. The
// stage itself reads imgpipe's peak RSS (VmHWM of its parent) once its
// output has gone through: the Maxrss that wait4 reports would include
// this test process's, which the child had until it exec'd imgpipe.
func TestRunBoundsOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds imgpipe and writes 128 MiB through it")
	}
	dir := t.TempDir()
	imgpipe := filepath.Join(dir, "imgpipe")
	// GOFLAGS, with the build tags, comes from the environment of go test.
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", imgpipe, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	recipe := filepath.Join(dir, "recipe.hcl")
	src := `
build {
  name    = "loud"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "loud" {
  env     = { HWM = "` + filepath.Join(dir, "hwm") + `" }
  command = ["sh", "-c", "head -c 134217728 /dev/zero | tr '\\0' x; grep VmHWM /proc/$PPID/status >\"$HWM\""]
}
`
	if err := os.WriteFile(recipe, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"json", "plain"} {
		t.Run(mode, func(t *testing.T) {
			storeDir := filepath.Join(dir, "store-"+mode)
			cmd := exec.Command(imgpipe, "run", "--progress", mode, "--store", storeDir, recipe)
			var out countingWriter
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("imgpipe run: %v\n%s", err, out.head.String())
			}
			const mib = 1 << 20
			hwm, err := os.ReadFile(filepath.Join(dir, "hwm"))
			var kib int64
			if _, serr := fmt.Sscanf(string(hwm), "VmHWM: %d kB", &kib); err != nil || serr != nil {
				t.Fatalf("imgpipe's peak RSS: %q, %v, %v", hwm, err, serr)
			}
			t.Logf("peak RSS %d MiB, progress output %d KiB", kib>>10, out.n>>10)
			if kib<<10 >= 64*mib {
				t.Errorf("imgpipe's peak RSS was %d MiB, want under 64", kib>>10)
			}
			if out.n > 8*mib {
				t.Errorf("the progress output is %d MiB, want at most 8", out.n/mib)
			}
			runs, _ := filepath.Glob(filepath.Join(storeDir, "runs", "*"))
			if len(runs) != 1 {
				t.Fatalf("runs: %v", runs)
			}
			logPath := filepath.Join(runs[0], "x86_64", "loud", "log")
			log := readHeadTail(t, logPath)
			if size := fileSize(t, logPath); size > 32*mib+4096 {
				t.Errorf("the stage's log is %d MiB, want at most 32", size/mib)
			}
			for _, want := range []string{lines.Continued + "\n", "\n…[imgpipe left out "} {
				if !strings.Contains(log, want) {
					t.Errorf("the log does not hold %q", want)
				}
			}
			eventsPath := filepath.Join(runs[0], "events.jsonl")
			if size := fileSize(t, eventsPath); size > 8*mib {
				t.Errorf("events.jsonl is %d MiB, want at most 8", size/mib)
			}
			events, err := os.ReadFile(eventsPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(events, []byte("not sent as events; it is in "+logPath)) {
				t.Error("events.jsonl does not say where the rest of the output is")
			}
		})
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// readHeadTail returns the log without its long runs of x (which would
// make a failure message unreadable): each run becomes "x".
func readHeadTail(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	buf := make([]byte, 1<<20)
	last := byte(0)
	for {
		n, err := f.Read(buf)
		for _, c := range buf[:n] {
			if c == 'x' && last == 'x' {
				continue
			}
			b.WriteByte(c)
			last = c
		}
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
