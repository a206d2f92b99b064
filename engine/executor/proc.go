package executor

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// owner names one imgpipe process for as long as it lives: its pid and its
// start time, so that a pid the kernel gave to another process since is not
// mistaken for it.
type owner struct {
	pid   int
	start uint64 // clock ticks after boot, field 22 of /proc/<pid>/stat
}

func (o owner) String() string { return fmt.Sprintf("%d-%d", o.pid, o.start) }

// parseOwner reads what String wrote.
func parseOwner(s string) (owner, bool) {
	p, st, ok := strings.Cut(s, "-")
	if !ok {
		return owner{}, false
	}
	pid, err1 := strconv.Atoi(p)
	start, err2 := strconv.ParseUint(st, 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return owner{}, false
	}
	return owner{pid, start}, true
}

// alive reports whether the process o names is running (or a zombie not yet
// reaped) in our pid namespace.
func (o owner) alive() bool {
	st, err := procStat(o.pid)
	return err == nil && st.start == o.start
}

// self is this process as an owner.
var self = sync.OnceValue(func() owner {
	pid := os.Getpid()
	st, err := procStat(pid)
	if err != nil {
		// /proc is not mounted: nothing that relies on start times works,
		// and owners are then never found dead.
		return owner{pid: pid}
	}
	return owner{pid, st.start}
})

// stat is what imgpipe reads of /proc/<pid>/stat.
type stat struct {
	state byte   // R, S, D, Z, ...
	pgrp  int    // field 5
	start uint64 // field 22
}

// procStat reads /proc/<pid>/stat.
func procStat(pid int) (stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 20 || len(f[0]) != 1 {
		return stat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil {
		return stat{}, fmt.Errorf("/proc/%d/stat: bad pgrp %q or start time %q", pid, f[2], f[19])
	}
	return stat{state: f[0][0], pgrp: pgrp, start: start}, nil
}

// livePids lists the processes in our pid namespace that are not zombies.
func livePids(match func(stat) bool) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := procStat(pid)
		if err != nil || st.state == 'Z' || st.state == 'X' {
			continue
		}
		if match(st) {
			pids = append(pids, pid)
		}
	}
	return pids
}
