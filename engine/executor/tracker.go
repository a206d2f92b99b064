package executor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// tracker puts every process Host starts where it can be ended with all it
// started, now or, should imgpipe be killed, by the next imgpipe
// (SweepOrphans):
//
//   - in a cgroup of its own, <parent>/imgpipe-<pid>-<start>/<n>, where
//     <parent> is our own cgroup, if cgroup2 is mounted and we may make
//     cgroups there;
//   - else in a process group recorded in a file of the registry directory,
//     <registry>/<pid>-<start>, for as long as it runs.
//
// <pid>-<start> names the imgpipe process that owns them. With cgroups, a
// watcher process ends what is left in them the moment the owner is gone.
type tracker struct {
	// cgroups returns the cgroup directory to make cgroups under and the
	// cgroup2 mount that sweeps search.
	cgroups func() (parent string, m cgroup2Mount, err error)
	// registry returns the directory of process-group records.
	registry func() (string, error)
	// sweepFrom is the cgroup directory sweeps search; "" means the whole
	// mount. Tests keep their sweeps to their own cgroups.
	sweepFrom string
	// noWatcher leaves what a killed imgpipe's stages left to the next
	// imgpipe's sweep: tests of the sweep set it.
	noWatcher bool

	mu      sync.Mutex
	probed  bool
	mount   cgroup2Mount
	dir     string // <parent>/imgpipe-<self>; "" without cgroups
	active  int    // cgroups made and not yet removed
	next    int    // the name of the next one
	groups  map[int]uint64
	watcher *os.File // the end of the watcher's stdin we hold open
}

// hostTracker is what the zero Host uses.
var hostTracker = &tracker{cgroups: defaultCgroups, registry: defaultRegistry}

// defaultRegistry is $XDG_RUNTIME_DIR/imgpipe, /run/imgpipe for root, or
// imgpipe-<uid> in the temporary directory.
func defaultRegistry() (string, error) {
	var dir string
	switch {
	case os.Getenv("XDG_RUNTIME_DIR") != "":
		dir = filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "imgpipe")
	case os.Geteuid() == 0:
		dir = "/run/imgpipe"
	default:
		dir = filepath.Join(os.TempDir(), "imgpipe-"+strconv.Itoa(os.Geteuid()))
	}
	return dir, nil
}

// probe finds out, once, whether processes get cgroups. Called with t.mu held.
func (t *tracker) probe() {
	if t.probed {
		return
	}
	t.probed = true
	parent, m, err := t.cgroups()
	if err != nil || !isCgroup2(parent) {
		return
	}
	dir := filepath.Join(parent, ownerCgroupPrefix+self().String())
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return // not ours to make: not delegated to us, say
	}
	// cgroup.kill came with Linux 5.14.
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
		_ = unix.Rmdir(dir)
		return
	}
	t.mount, t.dir = m, dir
	if !t.noWatcher {
		t.watcher, _ = startWatcher(dir) // without one, the next imgpipe's sweep does its work
	}
}

// watchScript waits for its stdin to reach EOF, which it does when the
// imgpipe holding the other end is gone however it went, and then kills and
// removes the cgroup $1 with everything under it, if it is still there.
const watchScript = `read -r line
[ -e "$1/cgroup.kill" ] || exit 0
echo 1 >"$1/cgroup.kill"
i=0
while grep -q "populated 1" "$1/cgroup.events" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
find "$1" -depth -type d -exec rmdir {} +
`

// startWatcher starts a process that, once we are gone, ends what is left
// in dir, our cgroup of cgroups: so that if imgpipe is killed what its
// stages started dies at once. It is in a process group of its own, so that
// a signal to ours does not end it first, and holds nothing of ours but
// the pipe whose end we keep open for as long as we live.
func startWatcher(dir string) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", watchScript, "sh", dir)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start the watcher of %s: %w", dir, err)
	}
	go func() { _ = cmd.Wait() }() // reaps it, should it die before us
	return w, nil
}

// newCgroup makes a cgroup for one process, or returns nil if processes go
// without.
func (t *tracker) newCgroup() (*cgroup, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.probe()
	if t.dir == "" {
		return nil, nil
	}
	t.next++
	dir := filepath.Join(t.dir, strconv.Itoa(t.next))
	for try := 0; ; try++ {
		// The owner's directory goes when its last cgroup does; another
		// process may remove it between the two (ours, run by a stage).
		err := os.Mkdir(t.dir, 0o755)
		if err == nil || errors.Is(err, fs.ErrExist) {
			err = os.Mkdir(dir, 0o755)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || try == 3 {
			return nil, fmt.Errorf("make a cgroup: %w", err)
		}
	}
	fd, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		_ = unix.Rmdir(dir)
		return nil, fmt.Errorf("open cgroup: %w", err)
	}
	t.active++
	return &cgroup{dir: dir, path: t.mount.path(dir), fd: fd, owner: t}, nil
}

// disableCgroups makes processes go without cgroups from now on: one could
// not be started in its cgroup but could be without.
func (t *tracker) disableCgroups() {
	t.mu.Lock()
	defer t.mu.Unlock()
	dir := t.dir
	t.dir = ""
	if t.active == 0 {
		_ = unix.Rmdir(dir)
	}
}

// release ends the processes left in c and removes it. If they cannot be
// ended, c stays, and the next imgpipe ends them once we are gone.
func (c *cgroup) release() error {
	c.fd.Close()
	err := killCgroup(c.dir)
	t := c.owner
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active--
	if t.active == 0 {
		_ = unix.Rmdir(filepath.Dir(c.dir)) // fails if another imgpipe's cgroup is nested in it
	}
	return err
}

// recordGroup writes the process group pgid, whose leader started at start,
// into our registry file until forget is called.
func (t *tracker) recordGroup(pgid int, start uint64) (forget func(), err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.groups == nil {
		t.groups = map[int]uint64{}
	}
	t.groups[pgid] = start
	if err := t.writeRegistry(); err != nil {
		delete(t.groups, pgid)
		return nil, err
	}
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.groups, pgid)
		_ = t.writeRegistry()
	}, nil
}

// writeRegistry replaces our registry file with t.groups, or removes it if
// there are none. Called with t.mu held.
func (t *tracker) writeRegistry() error {
	dir, err := t.registry()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, self().String())
	if len(t.groups) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := ownDir(dir); err != nil {
		return err
	}
	var b strings.Builder
	pgids := make([]int, 0, len(t.groups))
	for pgid := range t.groups {
		pgids = append(pgids, pgid)
	}
	slices.Sort(pgids)
	for _, pgid := range pgids {
		fmt.Fprintf(&b, "%d %d\n", pgid, t.groups[pgid])
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ownDir makes dir, private, unless it exists already as a directory of
// ours that no one else may write into (it may be in a shared /tmp).
func ownDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		return fmt.Errorf("%s is not a directory only we may write to", dir)
	}
	return nil
}
