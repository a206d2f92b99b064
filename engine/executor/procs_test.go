package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// trackerIn returns a tracker that makes its cgroups under cgroupDir (none
// if it is not a cgroup2 directory), keeps its records in registry, and
// sweeps only there.
func trackerIn(cgroupDir, registry string) *tracker {
	return &tracker{
		cgroups: func() (string, cgroup2Mount, error) {
			_, m, err := defaultCgroups()
			return cgroupDir, m, err
		},
		registry:  func() (string, error) { return registry, nil },
		sweepFrom: cgroupDir,
	}
}

// testCgroup makes a cgroup for the test and removes it, and whatever is
// left in it, when the test ends. It is in a cgroup named for the test
// process as an imgpipe owner, so that the sweeps of other imgpipes (tests
// run in parallel) never look into it. It skips the test where cgroups
// cannot be made, except in CI, whose machines have them: there it fails.
func testCgroup(t *testing.T) string {
	t.Helper()
	noCgroups := t.Skipf
	if os.Getenv("CI") != "" {
		noCgroups = t.Fatalf
	}
	parent, _, err := defaultCgroups()
	if err != nil || !isCgroup2(parent) {
		noCgroups("no cgroup2 to make cgroups in: %v", err)
	}
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	dir := filepath.Join(parent, ownerCgroupPrefix+self().String(), "test-"+name)
	for try := 0; ; try++ {
		err = os.MkdirAll(dir, 0o755)
		if err == nil || try == 3 {
			break
		}
	}
	if err != nil {
		noCgroups("cannot make cgroups: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
		noCgroups("cgroups cannot be killed: %v", err)
	}
	t.Cleanup(func() {
		if err := killCgroup(dir); err != nil {
			t.Error(err)
		}
		_ = os.Remove(filepath.Dir(dir)) // fails while other tests use it
	})
	return dir
}

// notCgroup is a directory that is not a cgroup: a tracker given it runs
// processes without cgroups.
func notCgroup(t *testing.T) string { return t.TempDir() }

// helper is a test helper process: a stand-in for an imgpipe.
type helper struct {
	cmd    *exec.Cmd
	exited chan error
}

// startHelper starts a helper process running script with Host, its
// processes' cgroups under cgroupDir, its records in registry, and a
// watcher unless noWatcher.
func startHelper(t *testing.T, script, cgroupDir, registry string, noWatcher bool) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+script, helperCgroupEnv+"="+cgroupDir, helperRegistryEnv+"="+registry)
	if noWatcher {
		cmd.Env = append(cmd.Env, helperNoWatcherEnv+"=1")
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, exited: make(chan error, 1)}
	go func() { h.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-h.exited
		h.exited <- nil
	})
	return h
}

// kill kills the helper with SIGKILL, as imgpipe could be killed, and waits
// for it to be gone.
func (h *helper) kill(t *testing.T) {
	t.Helper()
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	h.exited <- <-h.exited
}

// descendants is a script that starts the processes that outlive a process
// group kill, each writing its pid to a file in dir, and waits until all
// three have: one that ignores SIGTERM, one in a session of its own
// (setsid), one immune to hangups (nohup), with its output elsewhere.
// The setsid one keeps the stdout it was given.
func descendants(dir string) (script string, pidfiles []string) {
	for _, name := range []string{"noterm", "setsid", "nohup"} {
		pidfiles = append(pidfiles, filepath.Join(dir, name+".pid"))
	}
	report := `echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 300`
	script = fmt.Sprintf(`
sh -c 'trap "" TERM; %[1]s' sh %[2]q &
setsid sh -c '%[1]s' sh %[3]q &
nohup sh -c '%[1]s' sh %[4]q >/dev/null 2>&1 &
while [ ! -e %[2]q ] || [ ! -e %[3]q ] || [ ! -e %[4]q ]; do sleep 0.01; done
echo started
`, report, pidfiles[0], pidfiles[1], pidfiles[2])
	return script, pidfiles
}

// readPids reads the pid files descendants' processes wrote.
func readPids(t *testing.T, pidfiles []string) []int {
	t.Helper()
	var pids []int
	for _, f := range pidfiles {
		pids = append(pids, waitPid(t, f))
	}
	return pids
}

// alive returns those of pids that are still alive.
func alive(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if !processGone(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// With cgroups, nothing a process started outlives Run: not a process that
// ignores SIGTERM, nor one that left for a session of its own, nor one
// immune to hangups; and Run does not wait for the output an escaped
// process held.
func TestRunEndsEveryDescendant(t *testing.T) {
	t.Parallel()
	for _, cancelled := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancelled=%v", cancelled), func(t *testing.T) {
			t.Parallel()
			cg, dir := testCgroup(t), t.TempDir()
			script, pidfiles := descendants(dir)
			if cancelled {
				script += "exec sleep 300\n"
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			out := new(syncbuf.Buffer)
			errc := make(chan error, 1)
			go func() {
				errc <- Host{procs: trackerIn(cg, t.TempDir())}.Run(ctx, Cmd{
					Argv: []string{"sh", "-c", script}, Env: pathEnv(), OutputDir: dir, Stdout: out,
				})
			}()
			pids := readPids(t, pidfiles)
			t.Cleanup(func() { killAll(pids) })
			if cancelled {
				waitContains(t, out, "started")
				cancel()
			}
			err := result(t, errc)
			if cancelled && !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
			if !cancelled && err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
			if left := alive(pids); len(left) > 0 {
				t.Errorf("processes %v of %v outlived Run", left, pids)
			}
			if ents, _ := os.ReadDir(cg); len(ents) > 0 {
				var names []string
				for _, e := range ents {
					if e.IsDir() {
						names = append(names, e.Name())
					}
				}
				if len(names) > 0 {
					t.Errorf("cgroups left in %s: %v", cg, names)
				}
			}
		})
	}
}

// killAll kills pids, so that a failing test leaves nothing behind.
func killAll(pids []int) {
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// When imgpipe is killed, its watcher ends at once what its processes
// started, and removes their cgroups.
func TestKilledOwnersProcessesDieAtOnce(t *testing.T) {
	t.Parallel()
	cg := testCgroup(t)
	script, files := descendants(t.TempDir())
	killed := startHelper(t, script+"exec sleep 300\n", cg, t.TempDir(), false)
	pids := readPids(t, files)
	t.Cleanup(func() { killAll(pids) })
	killed.kill(t)
	poll(t, "the killed helper's processes to die", func() bool { return len(alive(pids)) == 0 })
	poll(t, "the killed helper's cgroups to go", func() bool {
		ents, _ := os.ReadDir(cg)
		return !slices.ContainsFunc(ents, func(e os.DirEntry) bool { return e.IsDir() })
	})
}

// When imgpipe is killed and its watcher too (or it had none), the next
// imgpipe's SweepOrphans ends what it left, and leaves alone what a live
// imgpipe runs.
func TestSweepEndsWhatAKilledOwnerLeft(t *testing.T) {
	t.Parallel()
	for _, withCgroups := range []bool{true, false} {
		t.Run(fmt.Sprintf("cgroups=%v", withCgroups), func(t *testing.T) {
			t.Parallel()
			place := notCgroup(t)
			if withCgroups {
				place = testCgroup(t)
			}
			registry := t.TempDir()
			killedScript, killedFiles := descendants(filepath.Join(t.TempDir()))
			liveScript, liveFiles := descendants(filepath.Join(t.TempDir()))
			killed := startHelper(t, killedScript+"exec sleep 300\n", place, registry, true)
			live := startHelper(t, liveScript+"exec sleep 300\n", place, registry, true)
			killedPids, livePids := readPids(t, killedFiles), readPids(t, liveFiles)
			t.Cleanup(func() { killAll(append(killedPids, livePids...)) })
			killed.kill(t)

			left, err := trackerIn(place, registry).sweep(t.Context())
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			want := killedPids
			if !withCgroups {
				// Only a cgroup holds a process that left for a session
				// of its own.
				want = []int{killedPids[0], killedPids[2]}
			}
			if l := alive(want); len(l) > 0 {
				t.Errorf("processes %v of %v outlived the sweep", l, want)
			}
			if len(left) != 1 || left[0].Owner != killed.cmd.Process.Pid || left[0].Processes < len(want) {
				t.Errorf("sweep reported %v, want one leftover of pid %d, of %d processes or more", left, killed.cmd.Process.Pid, len(want))
			} else {
				t.Log(left[0])
			}
			if l := alive(livePids); len(l) != len(livePids) {
				t.Errorf("the sweep killed processes of a live imgpipe: %v of %v alive", l, livePids)
			}
			// Only the live owner's records are left.
			liveOwner := owner{live.cmd.Process.Pid, mustStart(t, live.cmd.Process.Pid)}.String()
			for _, d := range []string{registry, place} {
				ents, _ := os.ReadDir(d)
				for _, e := range ents {
					if e.IsDir() && e.Name() != ownerCgroupPrefix+liveOwner || !e.IsDir() && d == registry && e.Name() != liveOwner {
						t.Errorf("%s keeps %s", d, e.Name())
					}
				}
			}
		})
	}
}

func mustStart(t *testing.T, pid int) uint64 {
	t.Helper()
	st, err := procStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	return st.start
}

// On cancellation, a process that left the process group gets SIGTERM
// too, with the same grace as the rest, before its cgroup is killed.
func TestRunCancelSendsSIGTERMToEscapedProcess(t *testing.T) {
	t.Parallel()
	cg, dir := testCgroup(t), t.TempDir()
	pidfile, marker := filepath.Join(dir, "pid"), filepath.Join(dir, "marker")
	// The main process waits, on SIGTERM, for the escaped one's trap to
	// have run: once it exits, the cgroup is killed.
	script := `
setsid sh -c 'trap "echo TERM > \"\$1.tmp\"; mv \"\$1.tmp\" \"\$1\"; exit 0" TERM; echo $$ > "$0"; while :; do sleep 0.01; done' "$1" "$2" &
trap 'while [ ! -e "$2" ]; do sleep 0.01; done; exit 0' TERM
while :; do sleep 0.01; done
`
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- Host{procs: trackerIn(cg, t.TempDir())}.Run(ctx, Cmd{
			Argv: []string{"sh", "-c", script, "sh", pidfile, marker}, Env: pathEnv(), OutputDir: dir,
		})
	}()
	pid := waitPid(t, pidfile)
	cancel()
	if err := result(t, errc); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "TERM\n" {
		t.Errorf("marker %q, %v; want the escaped process's TERM trap to have run", b, err)
	}
	if !processGone(pid) {
		t.Errorf("escaped process %d outlived Run", pid)
	}
}
