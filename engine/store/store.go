package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Store is a store directory.
type Store struct {
	Dir string
}

// Open creates the store's directories if needed.
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"objects", "runs", "tmp", "keys"} {
		if err := os.MkdirAll(filepath.Join(abs, sub), 0o755); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	return &Store{Dir: abs}, nil
}

// ErrNotStore is what OpenExisting returns, wrapped, for a directory that
// is not a store.
var ErrNotStore = errors.New("not an imgpipe store (no objects/ directory)")

// OpenExisting opens a store that a run has made already: commands that
// only look at a store (list builds, collect garbage) must not make one
// where the user named the wrong directory.
func OpenExisting(dir string) (*Store, error) {
	if _, err := os.Stat(filepath.Join(dir, "objects")); err != nil {
		return nil, fmt.Errorf("%s is %w", dir, ErrNotStore)
	}
	return Open(dir)
}

// Result is an object's record, result.json.
type Result struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Stage   string    `json:"stage"`
	Arch    string    `json:"arch"`
	Run     string    `json:"run"`
	Started time.Time `json:"started"`
	// Duration is how long the stage ran, in nanoseconds.
	Duration time.Duration `json:"duration_ns"`
	// Outputs are the stage's output values as JSON; file outputs are
	// paths relative to the object's out/ directory.
	Outputs json.RawMessage `json:"outputs"`
	// Files lists every file under out/ with its size and digest, computed
	// once, when the object was written.
	Files map[string]File `json:"files"`
	// ContentKey is the content key of the stage that made the object
	// (docs/architecture.md#early-cutoff), when it was known.
	ContentKey string `json:"content_key,omitempty"`
	// Fingerprints are the files' fingerprints (verify.go), taken when the
	// object was committed and its files made read-only, by path as in
	// Files. A file whose fingerprint differs is read again before the
	// object is reused. Objects committed before imgpipe recorded them
	// have none.
	Fingerprints map[string]Fingerprint `json:"fingerprints,omitempty"`
}

// File is one file of an object.
type File struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// recordPath is where the record of an object without files lives.
func (s *Store) recordPath(id string) string {
	return filepath.Join(s.Dir, "objects", id+".json")
}

// ObjectDir returns the directory of the object with the given ID.
func (s *Store) ObjectDir(id string) string {
	return filepath.Join(s.Dir, "objects", id)
}

// ObjectOf returns the ID of the object whose directory holds path, and
// false when path is not in an object.
func (s *Store) ObjectOf(path string) (id string, ok bool) {
	rel, err := filepath.Rel(filepath.Join(s.Dir, "objects"), path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	id, _, _ = strings.Cut(filepath.ToSlash(rel), "/")
	return id, true
}

// Lookup returns an object's result, if the object exists.
func (s *Store) Lookup(id string) (*Result, bool, error) {
	b, err := os.ReadFile(filepath.Join(s.ObjectDir(id), ResultFile))
	if errors.Is(err, fs.ErrNotExist) {
		b, err = os.ReadFile(s.recordPath(id))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, false, fmt.Errorf("object %s: corrupt result.json: %w", id, err)
	}
	return &r, true, nil
}

// Pending is an object being written.
type Pending struct {
	store *Store
	id    string
	// OutDir is where the stage writes its outputs; it becomes the object.
	OutDir string
}

// ResultFile is the name of an object's record. Stages cannot write a file
// of that name into their output directory.
const ResultFile = "result.json"

// Begin starts writing the object id in a fresh temporary directory. An
// object without files (a stage with no outputs) is only a record,
// objects/<id>.json: it gets no directory, which saves two metadata writes
// per stage in graphs of many small steps.
func (s *Store) Begin(id string, files bool) (*Pending, error) {
	if !files {
		return &Pending{store: s, id: id}, nil
	}
	dir, err := os.MkdirTemp(filepath.Join(s.Dir, "tmp"), id+".")
	if err != nil {
		return nil, fmt.Errorf("begin object: %w", err)
	}
	return &Pending{store: s, id: id, OutDir: dir}, nil
}

// Abort removes the pending object.
func (p *Pending) Abort() error {
	if p.OutDir == "" {
		return nil
	}
	return removeAll(p.OutDir)
}

// Commit makes the outputs read-only, records their fingerprints and
// digests in result.json and moves the object into place, replacing an
// older object with the same ID (a forced rebuild, or a damaged one).
func (p *Pending) Commit(r *Result) error {
	if p.OutDir == "" {
		return p.commitRecord(r)
	}
	resultPath := filepath.Join(p.OutDir, ResultFile)
	if _, err := os.Lstat(resultPath); err == nil {
		return fmt.Errorf("commit %s: the stage wrote %s into its output directory; imgpipe keeps that name for the object's record", p.id, ResultFile)
	}
	// Sealed first, then hashed: a write after the fingerprint was taken
	// changes it, and the next reuse reads the file again.
	fps, err := seal(p.OutDir)
	if err != nil {
		return fmt.Errorf("commit %s: %w", p.id, err)
	}
	files, err := hashTree(p.OutDir)
	if err != nil {
		return fmt.Errorf("commit %s: %w", p.id, err)
	}
	return p.place(r, files, fps)
}

// place writes the record of an object whose files are in OutDir, with
// their digests and fingerprints, and moves the object into place.
func (p *Pending) place(r *Result, files map[string]File, fps map[string]Fingerprint) error {
	resultPath := filepath.Join(p.OutDir, ResultFile)
	r.ID = p.id
	r.Files = files
	r.Fingerprints = fps
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(resultPath, append(b, '\n'), 0o444); err != nil {
		return fmt.Errorf("commit %s: %w", p.id, err)
	}
	final := p.store.ObjectDir(p.id)
	if info, err := os.Lstat(final); err == nil && info.Mode()&os.ModeSymlink != 0 {
		// An alias of another object (content keys): this one replaces it.
		if err := os.Remove(final); err != nil {
			return fmt.Errorf("commit %s: %w", p.id, err)
		}
	}
	if err := os.Rename(p.OutDir, final); err != nil {
		if !isExist(err) {
			return fmt.Errorf("commit %s: %w", p.id, err)
		}
		// A forced rebuild: move the old object aside, then the new in.
		old := filepath.Join(p.store.Dir, "tmp", p.id+".old-"+randHex())
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("commit %s: %w", p.id, err)
		}
		if err := os.Rename(p.OutDir, final); err != nil {
			return fmt.Errorf("commit %s: %w", p.id, err)
		}
		removeAll(old)
	}
	return nil
}

// commitRecord writes the record of an object without files: to a
// temporary file, renamed into place, so it appears whole or not at all.
func (p *Pending) commitRecord(r *Result) error {
	r.ID = p.id
	r.Files = map[string]File{}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(p.store.Dir, "tmp", p.id+"."+randHex()+".json")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("commit %s: %w", p.id, err)
	}
	if err := os.Rename(tmp, p.store.recordPath(p.id)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("commit %s: %w", p.id, err)
	}
	return nil
}

// Lock takes an exclusive lock on a name (an object ID, or a run's
// scratch directory), so concurrent runs build a stage once: the second
// waits and then finds the object. Unlock with the returned function.
//
// Locks are open-file-description byte-range locks on one file, tmp/locks,
// at an offset derived from the name: no file per lock, and two names that
// share an offset only wait for each other.
func (s *Store) Lock(name string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.Dir, "tmp", "locks"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	lk := lockRange(name, unix.F_WRLCK)
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLKW, &lk)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return func() { f.Close() }, nil // closing the description releases the lock
}

// LockContext is Lock that gives up when ctx is done, returning an error
// that wraps ctx's cause: a run interrupted while another run builds the
// same stage must not wait for that stage to finish.
func (s *Store) LockContext(ctx context.Context, name string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.Dir, "tmp", "locks"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	lk := lockRange(name, unix.F_WRLCK)
	wait := time.Millisecond
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
		if err == nil {
			return func() { f.Close() }, nil // closing the description releases the lock
		}
		if err != unix.EAGAIN && err != unix.EACCES && err != unix.EINTR {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		// Held by another run: poll, so that ctx can stop the wait (a
		// blocking F_OFD_SETLKW cannot be interrupted).
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// tryLock takes the lock of name if nobody holds it; it returns a nil
// unlock when somebody does.
func (s *Store) tryLock(name string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.Dir, "tmp", "locks"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	lk := lockRange(name, unix.F_WRLCK)
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, nil
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return func() { f.Close() }, nil
}

// busy reports whether a run holds the lock of name.
func (s *Store) busy(name string) (bool, error) {
	f, err := os.OpenFile(filepath.Join(s.Dir, "tmp", "locks"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return false, err
	}
	defer f.Close()
	lk := lockRange(name, unix.F_WRLCK)
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_GETLK, &lk); err != nil {
		return false, err
	}
	return lk.Type != unix.F_UNLCK, nil
}

func lockRange(name string, typ int16) unix.Flock_t {
	sum := sha256.Sum256([]byte(name))
	// 62 bits: two names sharing an offset only wait for each other, but a
	// stage must never share one with its own run's scratch lock.
	off := int64(binary.BigEndian.Uint64(sum[:8]) >> 2)
	return unix.Flock_t{Type: typ, Whence: io.SeekStart, Start: off, Len: 1}
}

// Sync flushes the filesystem holding the store: once per run, so a power
// loss after a run cannot lose objects it reported as written.
func (s *Store) Sync() error {
	f, err := os.Open(s.Dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

func hashTree(root string) (map[string]File, error) {
	files := map[string]File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	return files, err
}

func isExist(err error) bool {
	return errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY)
}

// removeAll removes a tree even where a stage left it read-only.
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

func randHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewRunID returns a run ID that sorts by the time the run started, to the
// microsecond: 20261125T201300.123456Z-1a2b3c4d. Two runs that start in the
// same second are still told apart by their order (gc --keep-runs keeps the
// newest, report shows the latest); the random part only breaks ties of
// the same microsecond.
func NewRunID(now time.Time) string {
	return now.UTC().Format("20060102T150405.000000Z") + "-" + randHex()
}

// Files of a run directory.
const (
	// EventsFile is the run's events, one JSON object a line.
	EventsFile = "events.jsonl"
	// ReportFile is the run's report, written when it ends.
	ReportFile = "report.json"
)

// RunDir creates and returns runs/<run>/.
func (s *Store) RunDir(run string) (string, error) {
	dir := s.RunPath(run)
	return dir, os.MkdirAll(dir, 0o755)
}

// RunPath returns runs/<run>/ without creating it.
func (s *Store) RunPath(run string) string {
	return filepath.Join(s.Dir, "runs", run)
}

// Runs lists the IDs of the store's runs, oldest first: a run ID starts
// with the time the run started.
func (s *Store) Runs() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "runs"))
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, e := range entries {
		if e.IsDir() {
			runs = append(runs, e.Name())
		}
	}
	slices.Sort(runs)
	return runs, nil
}

// StageLogDir creates and returns runs/<run>/<arch>/<stage>/.
func (s *Store) StageLogDir(run, arch, stage string) (string, error) {
	dir := filepath.Join(s.RunPath(run), arch, stage)
	return dir, os.MkdirAll(dir, 0o755)
}

func du(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// RunScratch creates tmp/run-<run>/, scratch space for one run, and locks
// it so gc leaves it alone while the run lasts. The returned function
// removes it.
func (s *Store) RunScratch(run string) (dir string, done func(), err error) {
	name := "run-" + run
	unlock, err := s.Lock(name)
	if err != nil {
		return "", nil, err
	}
	dir = filepath.Join(s.Dir, "tmp", name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		unlock()
		return "", nil, fmt.Errorf("create run scratch: %w", err)
	}
	return dir, func() { removeAll(dir); unlock() }, nil
}
