package store

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Content keys (docs/architecture.md#early-cutoff). A stage whose inputs
// were rebuilt into the same bytes has the content key of the stage that
// made an object before, and reuses that object under its new stage ID:
// the store records that ID as an alias of the object, objects/<id> a
// symbolic link to it, so that the next plan finds it by ID directly.
//
// Which object each content key made is kept in keys/: one file per run,
// <run>.idx, with a line "<content key> <object ID>" per object the run
// made, and gc's compaction of them, index. A file per run, not per key:
// creating a file costs a stage as much as running a small one.

// ContentIndex is the store's map from content keys to objects, for one
// run: it reads what earlier runs recorded when first asked, and records
// this run's keys in keys/<run>.idx. It is safe for concurrent use.
type ContentIndex struct {
	store *Store
	run   string

	mu   sync.Mutex
	keys map[string]string // nil until read
	f    *os.File          // keys/<run>.idx, made by the first Record
}

// ContentIndex returns the content index a run reads and records in; with
// no run ("") it only reads, as `imgpipe plan` does.
func (s *Store) ContentIndex(run string) *ContentIndex {
	return &ContentIndex{store: s, run: run}
}

// Lookup returns the ID of the object a stage with this content key made,
// when that object still exists.
func (ix *ContentIndex) Lookup(key string) (id string, ok bool) {
	ix.mu.Lock()
	if ix.keys == nil {
		ix.keys = ix.store.readContentKeys()
	}
	id, ok = ix.keys[key]
	ix.mu.Unlock()
	if !ok {
		return "", false
	}
	if _, ok, err := ix.store.Lookup(id); !ok || err != nil {
		return "", false
	}
	return id, true
}

// Record records that the object id was made by a stage with this content
// key.
func (ix *ContentIndex) Record(key, id string) error {
	if !validID(key) || !validID(id) {
		return fmt.Errorf("record content key %q → %q: not two hex digests", key, id)
	}
	if ix.run == "" {
		return errors.New("record content key: a read-only index (no run)")
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.keys != nil {
		ix.keys[key] = id
	}
	if ix.f == nil {
		f, err := os.OpenFile(filepath.Join(ix.store.Dir, "keys", ix.run+".idx"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("record content key: %w", err)
		}
		ix.f = f
	}
	// One write a line: a reader sees whole lines, or a last one cut
	// short, which it skips.
	if _, err := ix.f.WriteString(key + " " + id + "\n"); err != nil {
		return fmt.Errorf("record content key: %w", err)
	}
	return nil
}

// Close closes the run's index file.
func (ix *ContentIndex) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.f == nil {
		return nil
	}
	err := ix.f.Close()
	ix.f = nil
	return err
}

// readContentKeys reads every index file of keys/; a later line wins.
func (s *Store) readContentKeys() map[string]string {
	keys := map[string]string{}
	entries, _ := os.ReadDir(filepath.Join(s.Dir, "keys"))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(s.Dir, "keys", e.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.SplitAfter(string(b), "\n") {
			key, id, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
			if ok && strings.HasSuffix(line, "\n") && validID(key) && validID(id) {
				keys[key] = id
			}
		}
	}
	return keys
}

// compactContentKeys rewrites keys/ as one file, index, with the keys whose
// object still exists, for gc.
func (s *Store) compactContentKeys() error {
	dir := filepath.Join(s.Dir, "keys")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	keys := s.readContentKeys()
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if _, ok, err := s.Lookup(keys[k]); ok && err == nil {
			b.WriteString(k + " " + keys[k] + "\n")
		}
	}
	tmp := filepath.Join(s.Dir, "tmp", "index."+randHex())
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "index")); err != nil {
		os.Remove(tmp)
		return err
	}
	for _, e := range entries {
		// A run still going keeps appending to its file: leave those that
		// a live run holds the lock of.
		if run, ok := strings.CutSuffix(e.Name(), ".idx"); ok && !s.runBusy(run) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// Alias makes id another name of the object target: objects/<id> (or the
// record objects/<id>.json) becomes a symbolic link to it. An existing
// object or alias named id is left as it is.
func (s *Store) Alias(id, target string) error {
	if !validID(id) || !validID(target) || id == target {
		return fmt.Errorf("alias %q → %q: not two object IDs", id, target)
	}
	name, dest := id, target
	if _, err := os.Lstat(s.ObjectDir(target)); err != nil {
		name, dest = id+".json", target+".json" // an object without files
	}
	err := os.Symlink(dest, filepath.Join(s.Dir, "objects", name))
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	return err
}

// Target returns the ID of the object that id names: id itself, or the
// object an alias points at.
func (s *Store) Target(id string) string {
	for _, p := range []string{s.ObjectDir(id), s.recordPath(id)} {
		if dest, err := os.Readlink(p); err == nil {
			return strings.TrimSuffix(filepath.Base(dest), ".json")
		}
	}
	return id
}

// validID reports whether id can name an object: hex, as stage IDs are.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// runBusy reports whether the run is still going: it holds the lock of its
// scratch directory (RunScratch) while it lasts.
func (s *Store) runBusy(run string) bool {
	busy, err := s.busy("run-" + run)
	return err != nil || busy
}
