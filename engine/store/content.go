package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Content keys (docs/architecture.md#early-cutoff). keys/<content key> names
// the object a stage with that content key made: a stage whose inputs were
// rebuilt into the same bytes finds it there under a new stage ID, and the
// store then records that ID as an alias of the object, objects/<id> a
// symbolic link to it, so that the next plan finds it by ID directly.

// RecordContent records that the object id was made by a stage with this
// content key.
func (s *Store) RecordContent(key, id string) error {
	dir := filepath.Join(s.Dir, "keys")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(s.Dir, "tmp", "key-"+key+"."+randHex())
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o644); err != nil {
		return fmt.Errorf("record content key: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, key)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record content key: %w", err)
	}
	return nil
}

// LookupContent returns the ID of the object a stage with this content key
// made, when that object still exists.
func (s *Store) LookupContent(key string) (id string, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "keys", key))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	id = strings.TrimSpace(string(b))
	if !validID(id) {
		return "", false, fmt.Errorf("content key %s: %q is not an object ID", key, id)
	}
	if _, ok, err := s.Lookup(id); !ok || err != nil {
		return "", false, err
	}
	return id, true, nil
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
