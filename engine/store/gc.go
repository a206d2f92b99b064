package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Garbage collection, and what keeps it from deleting what a run needs.
//
// A run records every object it relies on in runs/<run>/objects.list, one ID a
// line, before it relies on it: an object it finds cached, one an early
// cutoff gives it, one it is about to build. gc keeps the objects that the
// kept runs recorded, the newest --keep-runs runs and every run still
// going, whether or not they finished (a killed run wrote no report.json,
// but its objects are whole and the next run reuses them).
//
// Recording and collecting exclude each other through one lock, "gc": a
// run holds it shared for the moment it appends a line, gc holds it
// exclusively while it decides and deletes. So a run either recorded an
// object before gc read the records (and gc keeps it), or records it
// after gc finished (and then looks the object up, finds it gone, and
// builds it again). A run is never blocked for long: gc waits for the
// appends in progress, appends wait for one gc.

// UsesFile is the name of a run's record of the objects it used.
const UsesFile = "objects.list"

// gcLock is the name of the lock between gc and runs recording objects.
const gcLock = "gc"

// Uses is one run's record of the objects it relies on. It is safe for
// concurrent use.
type Uses struct {
	mu   sync.Mutex
	f    *os.File // runs/<run>/objects.list, append-only
	lock *os.File // tmp/locks, for the shared gc lock
}

// Uses opens runs/<run>/objects.list, the record of the objects run uses.
func (s *Store) Uses(run string) (*Uses, error) {
	dir, err := s.RunDir(run)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, UsesFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("record the run's objects: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(s.Dir, "tmp", "locks"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("record the run's objects: %w", err)
	}
	return &Uses{f: f, lock: lock}, nil
}

// Add records that the run relies on the objects ids from now on. Call it
// before looking an object up, so that gc either sees the record or has
// already removed the object.
func (u *Uses) Add(ids ...string) error {
	var b strings.Builder
	for _, id := range ids {
		if validID(id) {
			b.WriteString(id + "\n")
		}
	}
	if b.Len() == 0 {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	// One open file description, so one lock: the mutex keeps two Adds
	// from releasing each other's.
	lk := lockRange(gcLock, unix.F_RDLCK)
	if err := setLockWait(u.lock, &lk); err != nil {
		return fmt.Errorf("record objects: %w", err)
	}
	_, err := u.f.WriteString(b.String())
	lk.Type = unix.F_UNLCK
	unix.FcntlFlock(u.lock.Fd(), unix.F_OFD_SETLK, &lk)
	if err != nil {
		return fmt.Errorf("record objects: %w", err)
	}
	return nil
}

// Close closes the record.
func (u *Uses) Close() error {
	u.lock.Close()
	return u.f.Close()
}

func setLockWait(f *os.File, lk *unix.Flock_t) error {
	for {
		err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLKW, lk)
		if err != unix.EINTR {
			return err
		}
	}
}

// GCOptions say what gc keeps.
type GCOptions struct {
	// KeepRuns is how many of the most recent runs keep their logs and the
	// objects they used. Runs still going are kept besides these.
	KeepRuns int
	DryRun   bool
}

// GCResult lists what gc removed (or would remove).
type GCResult struct {
	Objects, Runs, Temp []string
	Bytes               int64
}

// GC removes the objects no kept run used, the older runs' directories and
// temporary leftovers of killed runs. It never removes what a run still
// going uses: its objects, its run directory, its temporary files.
func (s *Store) GC(opts GCOptions) (*GCResult, error) {
	unlock, err := s.Lock(gcLock)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &GCResult{}
	runs, err := s.Runs()
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for i, run := range runs {
		dir := s.RunPath(run)
		if i < len(runs)-opts.KeepRuns && !s.runBusy(run) {
			res.Runs = append(res.Runs, dir)
			res.Bytes += du(dir)
			continue
		}
		for _, id := range s.runObjects(dir) {
			// An alias keeps the object it names.
			keep[id], keep[s.Target(id)] = true, true
		}
	}
	objects, err := os.ReadDir(filepath.Join(s.Dir, "objects"))
	if err != nil {
		return nil, err
	}
	for _, o := range objects {
		id := strings.TrimSuffix(o.Name(), ".json")
		if keep[id] {
			continue
		}
		// Never collect an object a run is writing right now.
		if busy, err := s.busy(id); err != nil || busy {
			continue
		}
		dir := filepath.Join(s.Dir, "objects", o.Name())
		res.Objects = append(res.Objects, dir)
		res.Bytes += du(dir)
	}
	temp, err := s.leftovers()
	if err != nil {
		return nil, err
	}
	for _, t := range temp {
		res.Bytes += du(t)
	}
	res.Temp = temp
	if opts.DryRun {
		return res, nil
	}
	for _, dir := range append(res.Objects, res.Runs...) {
		if err := removeAll(dir); err != nil {
			return res, err
		}
	}
	if err := s.compactContentKeys(); err != nil {
		return res, err
	}
	for _, t := range temp {
		if err := removeAll(t); err != nil {
			return res, err
		}
	}
	if _, err := s.finishKilledLogs(); err != nil {
		return res, err
	}
	return res, nil
}

// runObjects returns the IDs of the objects the run in dir used: those its
// record lists (a run still going, or killed, has only that) and those its
// report names.
func (s *Store) runObjects(dir string) []string {
	var ids []string
	if f, err := os.Open(filepath.Join(dir, UsesFile)); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if id := sc.Text(); validID(id) {
				ids = append(ids, id)
			}
		}
		f.Close()
	}
	b, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		return ids
	}
	var rep struct {
		Stages []struct {
			ID string `json:"id"`
		} `json:"stages"`
	}
	if json.Unmarshal(b, &rep) == nil {
		for _, st := range rep.Stages {
			ids = append(ids, st.ID)
		}
	}
	return ids
}

// CleanTmp removes leftovers of killed runs: temporary objects whose
// stage nobody is building now, and the scratch directories of runs that
// are over; and it appends to a killed run's stage logs the tail segments
// they left beside them (finishKilledLogs). A run calls it when it
// starts, so that what a killed run left in tmp/ does not wait for gc. It
// returns what it removed.
func (s *Store) CleanTmp() ([]string, error) {
	temp, err := s.leftovers()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, path := range temp {
		if err := removeAll(path); err != nil {
			return removed, err
		}
		removed = append(removed, path)
	}
	_, err = s.finishKilledLogs()
	return removed, err
}

// leftovers lists the entries of tmp/ that no live run owns.
func (s *Store) leftovers() ([]string, error) {
	tmp := filepath.Join(s.Dir, "tmp")
	entries, err := os.ReadDir(tmp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var left []string
	for _, e := range entries {
		if e.Name() == "locks" {
			continue
		}
		// Run scratch is "run-<run>", locked by that name (run IDs have a
		// dot); pending objects are "<id>.<random>", locked by their ID
		// while written.
		name := e.Name()
		if !strings.HasPrefix(name, "run-") {
			name, _, _ = strings.Cut(name, ".")
		}
		busy, err := s.busy(name)
		if err != nil || busy {
			continue
		}
		left = append(left, filepath.Join(tmp, e.Name()))
	}
	return left, nil
}
