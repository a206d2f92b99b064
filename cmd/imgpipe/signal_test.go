package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary act as imgpipe: tests re-execute
// os.Args[0] with imgpipe's arguments and this variable set.
const runMainEnv = "IMGPIPE_TEST_RUN_MAIN"

func init() {
	if os.Getenv(runMainEnv) == "1" {
		// Consumed: the programs imgpipe runs are not imgpipe, even when
		// they are this test binary too (imgpipe-getter).
		os.Unsetenv(runMainEnv)
		os.Exit(Main())
	}
}

// imgpipeCmd returns a command running this test binary as imgpipe.
func imgpipeCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	return cmd
}

// SIGINT during a run kills the stage's processes, grandchildren included,
// exits 130, leaves nothing half-written in the store and records the
// interrupted stage in the run's report.
func TestRunSIGINT(t *testing.T) {
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "store")
	pidFile := filepath.Join(dir, "sleep.pid")
	recipePath := filepath.Join(dir, "recipe.hcl")
	src := `
build {
  name    = "sigint"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "first" {
  command = ["sh", "-c", "echo ok >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "slow" {
  env     = { PIDFILE = "` + pidFile + `" }
  command = ["sh", "-c", "echo partial >\"$IMGPIPE_OUT/out\"; sleep 300 & echo $! >\"$PIDFILE.tmp\"; mv \"$PIDFILE.tmp\" \"$PIDFILE\"; wait", "sh", stage.first.out]
  outputs = ["out"]
}
`
	if err := os.WriteFile(recipePath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := imgpipeCmd("run", "--progress", "plain", "--store", storeDir, recipePath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})

	// Wait for the grandchild to be running.
	var pid int
	deadline := time.Now().Add(30 * time.Second)
	for pid == 0 {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatalf("pid file: %v", err)
			}
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("imgpipe exited before the stage started (%v):\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the stage did not start within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
		exited <- err
	case <-time.After(30 * time.Second):
		t.Fatal("imgpipe did not exit within 30s of SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Errorf("imgpipe exited with %v, want exit status %d; output:\n%s", err, exitInterrupted, out.String())
	}

	// The grandchild is gone (or a zombie nobody has reaped yet).
	deadline = time.Now().Add(10 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) || isZombie(pid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild sleep %d survived the interrupt (kill 0: %v)", pid, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The run's report says the slow stage was cut short.
	runs, err := os.ReadDir(filepath.Join(storeDir, "runs"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs/: %v, %v; want one run", runs, err)
	}
	runDir := filepath.Join(storeDir, "runs", runs[0].Name())
	if _, err := os.Stat(filepath.Join(runDir, "events.jsonl")); err != nil {
		t.Errorf("event log: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(runDir, "report.json"))
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var rep struct {
		Status string `json:"status"`
		Stages []struct {
			ID, Stage, Status, Error string
		} `json:"stages"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if rep.Status != "interrupted" {
		t.Errorf("report status %q, want interrupted", rep.Status)
	}
	ids := map[string]string{}
	for _, s := range rep.Stages {
		ids[s.Stage] = s.ID
		switch s.Stage {
		case "first":
			if s.Status != "done" {
				t.Errorf("first is %s in the report, want done", s.Status)
			}
		case "slow":
			if s.Status != "skipped" || !strings.Contains(s.Error, "cancelled") {
				t.Errorf("slow is %s (%q) in the report, want skipped as cancelled", s.Status, s.Error)
			}
		}
	}
	if ids["first"] == "" || ids["slow"] == "" {
		t.Fatalf("report.json lacks a stage: %s", b)
	}

	// Nothing half-written: no object for the slow stage, every object
	// complete, no temporary directory left.
	objs, err := os.ReadDir(filepath.Join(storeDir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if strings.HasPrefix(o.Name(), ids["slow"]) {
			t.Errorf("the interrupted stage has an object: objects/%s", o.Name())
		}
		if o.IsDir() {
			if _, err := os.Stat(filepath.Join(storeDir, "objects", o.Name(), "result.json")); err != nil {
				t.Errorf("object %s is incomplete: %v", o.Name(), err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(storeDir, "objects", ids["first"], "result.json")); err != nil {
		t.Errorf("the stage before the interrupted one has no object: %v", err)
	}
	// Only the lock file may stay in tmp/: no pending object, no scratch.
	tmp, err := os.ReadDir(filepath.Join(storeDir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tmp {
		if f.Name() != "locks" && !strings.HasSuffix(f.Name(), ".lock") {
			t.Errorf("store tmp/ has a leftover: %s", f.Name())
		}
	}
}

// isZombie reports whether pid has exited and waits to be reaped: with no
// init reaping orphans, a killed grandchild can stay one.
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
