package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/fixtures"
)

// orphanTest runs imgpipe commands the way a user would run them one after
// the other, with what a killed one leaves kept from the sweeps of imgpipes
// that other tests run meanwhile: in a cgroup of the test's own, named as
// the cgroup of an imgpipe whose processes are in it (engine/executor's
// imgpipe-<pid>-<start>, for this live test process), into which no other
// imgpipe's sweep looks, and with a registry directory of the test's own
// ($XDG_RUNTIME_DIR). Without cgroup2, imgpipe keeps its records in that
// registry only.
type orphanTest struct {
	dir      string
	cgroup   *os.File // nil without cgroups
	cgroupAt string
	env      []string // more environment for the commands
	out      bytes.Buffer
}

func newOrphanTest(t *testing.T) *orphanTest {
	t.Helper()
	o := &orphanTest{dir: t.TempDir()}
	cg, err := testCgroup(t)
	if err != nil {
		t.Logf("no cgroups: %v", err)
		return o
	}
	f, err := os.Open(cg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	o.cgroup, o.cgroupAt = f, cg
	return o
}

// command returns imgpipe with args, in the test's cgroup and registry.
func (o *orphanTest) command(args ...string) *exec.Cmd {
	cmd := imgpipeCmd(args...)
	cmd.Env = append(cmd.Env, "XDG_RUNTIME_DIR="+o.dir)
	cmd.Env = append(cmd.Env, o.env...)
	cmd.Stdout, cmd.Stderr = &o.out, &o.out
	if o.cgroup != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(o.cgroup.Fd())}
	}
	return cmd
}

// testCgroup makes a cgroup for the test under
// <our cgroup>/imgpipe-<our pid>-<our start time>, and removes it and
// everything in it when the test ends.
func testCgroup(t *testing.T) (string, error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	own := ""
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			own = p
		}
	}
	start, err := startTime(os.Getpid())
	if err != nil {
		return "", err
	}
	parent := filepath.Join(mount, own, fmt.Sprintf("imgpipe-%d-%d", os.Getpid(), start))
	dir := filepath.Join(parent, "test-"+strings.ReplaceAll(t.Name(), "/", "-"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
		os.Remove(dir)
		return "", err
	}
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(dir, "cgroup.events"))
			if !bytes.Contains(b, []byte("populated 1")) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		removeTree(dir)
		os.Remove(parent) // fails while other tests use it
	})
	return dir, nil
}

func removeTree(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			removeTree(filepath.Join(dir, e.Name()))
		}
	}
	os.Remove(dir)
}

// cgroup2Mount is where cgroup2 is mounted, if it is, with the mount's root
// at /.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, _ := strings.Cut(sc.Text(), " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) >= 5 && len(g) > 0 && g[0] == "cgroup2" && f[3] == "/" {
			return f[4], nil
		}
	}
	return "", errors.New("no cgroup2 mount")
}

// startTime is field 22 of /proc/<pid>/stat.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// process is one process a test saw, by pid and start time, so that a pid
// reused since is not taken for it.
type process struct {
	pid   int
	start uint64
}

// gone reports whether the process has exited (a zombie not yet reaped
// has).
func (p process) gone() bool {
	start, err := startTime(p.pid)
	return err != nil || start != p.start || isZombie(p.pid)
}

// waitFor polls cond until it holds, failing the test after a deadline or
// when imgpipe exits first.
func waitFor(t *testing.T, what string, timeout time.Duration, exited <-chan error, out *bytes.Buffer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case err := <-exited:
			t.Fatalf("imgpipe exited (%v) before %s:\n%s", err, what, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v:\n%s", what, timeout, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killedRun starts `imgpipe run` of recipe, waits until ready returns the
// processes it waits for, kills imgpipe with SIGKILL and returns them. With
// withWatcher, it kills imgpipe's watcher too (every process in imgpipe's
// own cgroup, as `kill -9` of a whole session could), so that only the next
// imgpipe can end what is left.
func (o *orphanTest) killedRun(t *testing.T, recipe string, timeout time.Duration, withWatcher bool, ready func() []process) []process {
	t.Helper()
	path := filepath.Join(o.dir, "recipe.hcl")
	if err := os.WriteFile(path, []byte(recipe), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := o.command("run", "--progress", "plain", "--store", filepath.Join(o.dir, "store"), path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		exited <- <-exited
	})
	var procs []process
	waitFor(t, "stage processes", timeout, exited, &o.out, func() bool {
		procs = ready()
		return procs != nil
	})
	t.Cleanup(func() {
		for _, p := range procs {
			if !p.gone() {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
		}
	})
	if withWatcher && o.cgroup != nil {
		// The watcher first: once kill returns, it runs no more code.
		b, err := os.ReadFile(filepath.Join(o.cgroupAt, "cgroup.procs"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, _ := strconv.Atoi(f); pid != cmd.Process.Pid {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	exited <- <-exited
	return procs
}

// diesAtOnce checks that procs die without another imgpipe: with cgroups,
// imgpipe's watcher ends them once imgpipe is gone.
func (o *orphanTest) diesAtOnce(t *testing.T, procs []process) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range procs {
		for !p.gone() {
			if time.Now().After(deadline) {
				t.Errorf("process %d (%s) outlived the killed imgpipe by 10s", p.pid, cmdline(p.pid))
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// next runs the next command, `imgpipe gc --dry-run`, and checks that
// every process in procs is gone once it has started (its sweep runs
// first), and that it said what it ended.
func (o *orphanTest) next(t *testing.T, procs []process, mustEnd bool) {
	t.Helper()
	o.out.Reset()
	if err := o.command("gc", "--dry-run", "--store", filepath.Join(o.dir, "store")).Run(); err != nil {
		t.Errorf("imgpipe gc: %v\n%s", err, o.out.String())
	}
	for _, p := range procs {
		if !p.gone() {
			t.Errorf("process %d (%s) outlived the killed imgpipe", p.pid, cmdline(p.pid))
		}
	}
	if mustEnd && !strings.Contains(o.out.String(), "left by a killed imgpipe") {
		t.Errorf("imgpipe gc does not say it ended the killed run's processes:\n%s", o.out.String())
	}
	t.Logf("imgpipe gc:\n%s", o.out.String())
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// pidFiles returns the processes whose pids the files hold, or nil until
// every one is there.
func pidFiles(files ...string) []process {
	var procs []process
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return nil
		}
		start, err := startTime(pid)
		if err != nil {
			continue // gone already
		}
		procs = append(procs, process{pid, start})
	}
	return procs
}

// SIGKILL of imgpipe during an exec stage whose command started processes
// that a process group kill misses (one ignores SIGTERM, one is in a
// session of its own, one is immune to hangups) leaves none of them
// running: with cgroups, they die at once; once the next imgpipe command
// starts, they are dead in any case, even if imgpipe's watcher was killed
// too.
func TestSIGKILLLeavesNoProcessBehind(t *testing.T) {
	t.Parallel()
	for _, withWatcher := range []bool{false, true} {
		t.Run(fmt.Sprintf("watcher killed=%v", withWatcher), func(t *testing.T) {
			t.Parallel()
			o := newOrphanTest(t)
			var files []string
			for _, name := range []string{"noterm", "setsid", "nohup"} {
				files = append(files, filepath.Join(o.dir, name+".pid"))
			}
			report := `echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 300`
			script := fmt.Sprintf(`
sh -c 'trap "" TERM; %[1]s' sh %[2]q &
setsid sh -c '%[1]s' sh %[3]q &
nohup sh -c '%[1]s' sh %[4]q >/dev/null 2>&1 &
wait
`, report, files[0], files[1], files[2])
			scriptPath := filepath.Join(o.dir, "stage.sh")
			if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			procs := o.killedRun(t, `
build {
  name    = "killed"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "spawn" {
  command = ["sh", "`+scriptPath+`"]
  outputs = ["out"]
}
`, 30*time.Second, withWatcher, func() []process { return pidFiles(files...) })
			if o.cgroup == nil {
				// Without cgroups, a process in a session of its own escapes.
				procs = slices.Delete(procs, 1, 2)
			} else if !withWatcher {
				o.diesAtOnce(t, procs)
			}
			o.next(t, procs, withWatcher || o.cgroup == nil)
		})
	}
}

// SIGKILL of imgpipe during a guest-install leaves no process behind once
// the next command starts: qemu is killed with imgpipe (PDEATHSIG), and
// anything else in the stage's cgroup by the next command.
func TestSIGKILLDuringGuestInstallLeavesNoProcessBehind(t *testing.T) {
	t.Parallel()
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64")
	o := newOrphanTest(t)
	if err := os.WriteFile(filepath.Join(o.dir, "ks.cfg"), []byte(waitingKS), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(o.dir, "store")
	procs := o.killedRun(t, `
build {
  name    = "killed"
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
`, 2*time.Minute, true, func() []process {
		procs := processesMentioning(store)
		for _, p := range procs {
			if strings.Contains(cmdline(p.pid), "qemu-system") {
				return procs
			}
		}
		return nil
	})
	o.next(t, procs, false)
	if left := processesMentioning(store); len(left) > 0 {
		for _, p := range left {
			t.Errorf("process %d (%s) left running", p.pid, cmdline(p.pid))
		}
	}
}

// waitingKS makes the installer wait for a root password forever.
const waitingKS = `zerombr
clearpart --all --initlabel
autopart
poweroff
%packages
@core
%end
`

// processesMentioning lists the live processes whose command line mentions s.
func processesMentioning(s string) []process {
	var out []process
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if strings.Contains(cmdline(pid), s) && !isZombie(pid) {
			if start, err := startTime(pid); err == nil {
				out = append(out, process{pid, start})
			}
		}
	}
	return out
}
