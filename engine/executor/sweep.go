package executor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Leftover is what SweepOrphans ended: the processes one imgpipe left when
// it was killed.
type Leftover struct {
	// Owner is the pid the killed imgpipe had.
	Owner int
	// Processes is how many processes were ended.
	Processes int
	// Where is the cgroup directory or the process group they were in.
	Where string
}

func (l Leftover) String() string {
	s := "es"
	if l.Processes == 1 {
		s = ""
	}
	return fmt.Sprintf("ended %d process%s left by a killed imgpipe (pid %d; %s)", l.Processes, s, l.Owner, l.Where)
}

// SweepOrphans ends what imgpipe processes that were killed (SIGKILL, a
// crash: no chance to clean up) left running of the processes Host started
// for them, and removes their records. It never touches what a live imgpipe
// started. Commands that run stages call it first. It returns what it ended
// (leftovers that held no process any more are removed silently) and why it
// could not end others.
func SweepOrphans(ctx context.Context) ([]Leftover, error) {
	return hostTracker.sweep(ctx)
}

// depthLimit bounds how deep a sweep looks into the cgroup hierarchy.
const depthLimit = 32

func (t *tracker) sweep(ctx context.Context) ([]Leftover, error) {
	var found []Leftover
	var errs []error
	if _, m, err := t.cgroups(); err == nil {
		own := ""
		if p, err := ownCgroupPath("self"); err == nil {
			own, _ = m.dir(p)
		}
		from := m.point
		if t.sweepFrom != "" {
			from = t.sweepFrom
		}
		if isCgroup2(from) {
			sweepCgroups(ctx, from, own, 0, &found, &errs)
		}
	}
	if dir, err := t.registry(); err == nil {
		sweepRegistry(ctx, dir, &found, &errs)
	}
	return found, errors.Join(errs...)
}

// sweepCgroups ends the cgroups of dead owners under dir, own being our own
// cgroup's directory. It does not look into a live owner's cgroup, unless we
// are in it (as a process it started): then it goes on in our own cgroup,
// whose dead owners' cgroups are ours to end. Nor does it end a dead owner's
// cgroup that we are in (we are what it left): then too it goes on in ours.
func sweepCgroups(ctx context.Context, dir, own string, depth int, found *[]Leftover, errs *[]error) {
	if depth > depthLimit || ctx.Err() != nil {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // gone, or not ours to read
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		o, ok := ownerCgroup(e.Name())
		if !ok {
			sweepCgroups(ctx, sub, own, depth+1, found, errs)
			continue
		}
		if within(own, sub) {
			// Whatever lies between is not ours to judge.
			sweepCgroups(ctx, own, own, depth+1, found, errs)
			continue
		}
		if ownerAlive(o, dir) || unix.Access(filepath.Join(sub, "cgroup.kill"), unix.W_OK) != nil {
			continue // alive, or another user's
		}
		n := len(cgroupPids(sub))
		if err := killCgroup(sub); err != nil {
			*errs = append(*errs, err)
			continue
		}
		if n > 0 {
			*found = append(*found, Leftover{Owner: o.pid, Processes: n, Where: sub})
		}
	}
}

// within reports whether the cgroup directory dir is sub or under it.
func within(dir, sub string) bool {
	return dir == sub || strings.HasPrefix(dir, sub+"/")
}

// ownerAlive reports whether the owner of a cgroup in the cgroup directory
// parent is alive. An owner in another pid namespace (a container sharing
// the hierarchy) has another pid there, but the same start time, and is in
// parent (its own cgroup), so that is checked too.
func ownerAlive(o owner, parent string) bool {
	if o.alive() {
		return true
	}
	b, err := os.ReadFile(filepath.Join(parent, "cgroup.procs"))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist) // unsure: leave it be
	}
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			if st, err := procStat(pid); err == nil && st.start == o.start {
				return true
			}
		}
	}
	return false
}

// sweepRegistry ends the process groups recorded by dead owners in the
// registry directory dir, and removes their records.
func sweepRegistry(ctx context.Context, dir string, found *[]Leftover, errs *[]error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if ctx.Err() != nil {
			return
		}
		o, ok := parseOwner(e.Name())
		if !ok || o.alive() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var pgid int
			var start uint64
			if _, err := fmt.Sscan(l, &pgid, &start); err != nil || pgid <= 1 {
				continue
			}
			if n := killGroup(pgid, start); n > 0 {
				*found = append(*found, Leftover{Owner: o.pid, Processes: n, Where: "process group " + strconv.Itoa(pgid)})
			}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			*errs = append(*errs, err)
		}
	}
}

// killGroup kills the process group pgid, whose leader started at start,
// waits for its members to die, and returns how many there were. A pgid is
// not given to a new process while its group has members, so a leader with
// another start time means the group is gone.
func killGroup(pgid int, start uint64) int {
	if st, err := procStat(pgid); err == nil && st.start != start {
		return 0
	}
	members := livePids(func(st stat) bool { return st.pgrp == pgid })
	if len(members) == 0 {
		return 0
	}
	// A pidfd becomes readable when its process exits.
	var fds []unix.PollFd
	for _, pid := range members {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			defer unix.Close(fd)
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	deadline := time.Now().Add(killWait)
	for len(fds) > 0 && time.Now().Before(deadline) {
		if _, err := unix.Poll(fds, int(time.Until(deadline)/time.Millisecond)+1); err != nil && err != unix.EINTR {
			break
		}
		fds = slices.DeleteFunc(fds, func(p unix.PollFd) bool { return p.Revents != 0 })
	}
	return len(members)
}
