package executor

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ownerCgroupPrefix starts the name of the cgroup under which one imgpipe
// process makes the cgroups of the processes it runs: imgpipe-<pid>-<start>.
const ownerCgroupPrefix = "imgpipe-"

// killWait bounds how long ending a cgroup waits for its processes to die.
// Only a process in uninterruptible sleep takes more than a moment.
const killWait = 10 * time.Second

// ownerCgroup returns the owner a cgroup named imgpipe-<pid>-<start> is
// for.
func ownerCgroup(name string) (owner, bool) {
	rest, ok := strings.CutPrefix(name, ownerCgroupPrefix)
	if !ok {
		return owner{}, false
	}
	return parseOwner(rest)
}

// cgroup2Mount is where the cgroup2 hierarchy is mounted: its mount point
// and the cgroup the mount shows at that point ("/" unless bind-mounted).
type cgroup2Mount struct{ point, root string }

// findCgroup2 reads /proc/self/mountinfo for the first cgroup2 mount.
func findCgroup2() (cgroup2Mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return cgroup2Mount{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		// id parent major:minor root point options [optional...] - type source super
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if ok && len(f) >= 5 && len(g) >= 1 && g[0] == "cgroup2" {
			return cgroup2Mount{point: unescapeMount(f[4]), root: unescapeMount(f[3])}, nil
		}
	}
	if err := sc.Err(); err != nil {
		return cgroup2Mount{}, err
	}
	return cgroup2Mount{}, errors.New("no cgroup2 file system is mounted")
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ownCgroupPath returns the cgroup2 path of process pid ("self" for us), as
// /proc/<pid>/cgroup gives it.
func ownCgroupPath(pid string) (string, error) {
	b, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return p, nil
		}
	}
	return "", errors.New("not in a cgroup2 hierarchy (no 0:: line in /proc/self/cgroup)")
}

// dir returns the directory of the cgroup at path (as /proc/<pid>/cgroup
// names it) under the mount, or false if the mount does not show it.
func (m cgroup2Mount) dir(path string) (string, bool) {
	rel, ok := strings.CutPrefix(path, m.root)
	if !ok || (rel != "" && !strings.HasPrefix(rel, "/") && m.root != "/") {
		return "", false
	}
	return filepath.Join(m.point, rel), true
}

// path returns the cgroup path of the directory dir under the mount, as
// /proc/<pid>/cgroup names it.
func (m cgroup2Mount) path(dir string) string {
	rel, _ := filepath.Rel(m.point, dir)
	return filepath.Join(m.root, rel)
}

// defaultCgroups returns our own cgroup's directory, under which Host makes
// the cgroups of its processes, and the mount, which sweeps search.
func defaultCgroups() (parent string, m cgroup2Mount, err error) {
	m, err = findCgroup2()
	if err != nil {
		return "", m, err
	}
	own, err := ownCgroupPath("self")
	if err != nil {
		return "", m, err
	}
	dir, ok := m.dir(own)
	if !ok {
		return "", m, fmt.Errorf("our cgroup %s is not under the cgroup2 mount %s", own, m.point)
	}
	return dir, m, nil
}

// isCgroup2 reports whether dir is a directory of a cgroup2 file system.
func isCgroup2(dir string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(dir, &fs) == nil && fs.Type == unix.CGROUP2_SUPER_MAGIC
}

// cgroup is a cgroup made for one process and everything it starts.
type cgroup struct {
	dir   string   // its directory
	path  string   // its path, as /proc/<pid>/cgroup names it
	fd    *os.File // its directory, open, for clone3's CLONE_INTO_CGROUP
	owner *tracker
}

// signal sends sig to every process in the cgroup tree at dir. A pid is
// checked to be in the tree once a pidfd holds it, so that a process that
// took the pid of one that exited meanwhile is never signalled.
func signalCgroup(dir, path string, sig unix.Signal) {
	for _, pid := range cgroupPids(dir) {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue
		}
		if p, err := ownCgroupPath(strconv.Itoa(pid)); err == nil && (p == path || strings.HasPrefix(p, path+"/")) {
			_ = unix.PidfdSendSignal(fd, sig, nil, 0)
		}
		unix.Close(fd)
	}
}

// cgroupPids lists the processes in the cgroup tree at dir.
func cgroupPids(dir string) []int {
	var pids []int
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		if err != nil {
			return nil
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}

// killCgroup kills every process in the cgroup tree at dir with SIGKILL
// (cgroup.kill: no process can fork its way out), waits for them to be gone,
// and removes the tree.
func killCgroup(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed already
		}
		return fmt.Errorf("kill the processes of cgroup %s: %w", dir, err)
	}
	if err := waitEmpty(dir, killWait); err != nil {
		return err
	}
	return removeCgroup(dir)
}

// waitEmpty waits until no process is left in the cgroup tree at dir.
// Killed processes are gone from it once they exit, reaped or not.
func waitEmpty(dir string, timeout time.Duration) error {
	f, err := os.Open(filepath.Join(dir, "cgroup.events"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 256)
	for {
		n, err := f.ReadAt(buf, 0)
		if n == 0 && err != nil {
			return fmt.Errorf("read %s: %w", f.Name(), err)
		}
		if strings.Contains(string(buf[:n]), "populated 0") {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("cgroup %s still has processes %v after %v", dir, cgroupPids(dir), timeout)
		}
		// cgroup.events signals a change as POLLPRI; the short timeout
		// only guards against a missed one.
		fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLPRI}}
		_, _ = unix.Poll(fds, int(min(left, 50*time.Millisecond)/time.Millisecond)+1)
	}
}

// removeCgroup removes the empty cgroup tree at dir, deepest first.
func removeCgroup(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := removeCgroup(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := unix.Rmdir(dir); err != nil && err != unix.ENOENT {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	return nil
}
