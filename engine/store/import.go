package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Objects made elsewhere (docs/team-cache.md). A team cache hands the
// store an object's record and a way to read each of its files; the store
// writes them into tmp/ as it writes any object, checks every file's size
// and sha256 against the record as it streams it, and renames the object
// into place only when all of them match. Nothing an import did not
// verify is ever visible in objects/.

// MismatchError is a file of an imported object that is not what its
// record says.
type MismatchError struct {
	Path   string // relative to the object, with slashes
	SHA256 string // what the record says
	Got    string // what arrived: "sha256 <hex>", or a size
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s: record says sha256 %s, got %s", e.Path, e.SHA256, e.Got)
}

// ImportFile opens the content of one file of an object being imported,
// and says whether it is executable.
type ImportFile func(ctx context.Context, rel string, f File) (io.ReadCloser, bool, error)

// Import writes the object id, made elsewhere, into the store: rec is its
// record (rec.ID must be id), dir says whether it is a directory (a stage
// with file outputs) or only a record, and open reads each file rec.Files
// lists. It returns a *MismatchError for a file that is not what rec
// says, an error for a record that cannot be a record of id, and nil
// without fetching anything when the object is there already. The object
// it commits has fresh fingerprints (this machine's inodes) and is sealed
// like every other.
func (s *Store) Import(ctx context.Context, id string, rec *Result, dir bool, open ImportFile) error {
	if err := checkImported(id, rec, dir); err != nil {
		return err
	}
	unlock, err := s.LockContext(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if _, ok, err := s.Lookup(id); ok && err == nil {
		return nil
	}
	r := *rec
	r.Fingerprints = nil
	p, err := s.Begin(id, dir)
	if err != nil {
		return err
	}
	if !dir {
		return p.commitRecord(&r)
	}
	committed := false
	defer func() {
		if !committed {
			p.Abort()
		}
	}()
	for _, rel := range slices.Sorted(maps.Keys(rec.Files)) {
		if err := importFile(ctx, p.OutDir, rel, rec.Files[rel], open); err != nil {
			return fmt.Errorf("import %.12s: %w", id, err)
		}
	}
	fps, err := seal(p.OutDir)
	if err != nil {
		return fmt.Errorf("import %.12s: %w", id, err)
	}
	if err := p.place(&r, maps.Clone(rec.Files), fps); err != nil {
		return err
	}
	committed = true
	return nil
}

// checkImported refuses a record that cannot be the object id's: another
// ID, a file name outside the object, or the record's own name.
func checkImported(id string, rec *Result, dir bool) error {
	if !validID(id) || rec.ID != id {
		return fmt.Errorf("import: the record is of object %q, not %q", rec.ID, id)
	}
	if !dir && len(rec.Files) > 0 {
		return fmt.Errorf("import %.12s: an object without a directory lists files", id)
	}
	for rel, f := range rec.Files {
		if rel == "" || rel == ResultFile || path.Clean(rel) != rel || !filepath.IsLocal(rel) || strings.ContainsRune(rel, '\\') {
			return fmt.Errorf("import %.12s: %q cannot be a file of an object", id, rel)
		}
		if f.Size < 0 || len(f.SHA256) != 64 || !validID(f.SHA256) {
			return fmt.Errorf("import %.12s: %s: the record's size or sha256 is malformed", id, rel)
		}
	}
	return nil
}

// importFile streams one file into dir, hashing it as it is written, and
// compares it with the record.
func importFile(ctx context.Context, dir, rel string, want File, open ImportFile) error {
	dst := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, executable, err := open(ctx, rel, want)
	if err != nil {
		return err
	}
	defer rc.Close()
	mode := os.FileMode(0o644)
	if executable {
		mode = 0o755
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	h := sha256.New()
	// One byte more than the record says: a longer file is caught without
	// reading it all.
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(rc, want.Size+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if n != want.Size {
		return &MismatchError{Path: rel, SHA256: want.SHA256, Got: fmt.Sprintf("%d bytes, not %d", n, want.Size)}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return &MismatchError{Path: rel, SHA256: want.SHA256, Got: "sha256 " + got}
	}
	return nil
}

// Portable reports why the object id cannot be copied to another store
// as its record and its files, or nil when it can: an object with
// symbolic links, devices or empty directories among its outputs holds
// what its record does not describe. It returns the object's record and
// whether it is a directory.
func (s *Store) Portable(id string) (*Result, bool, error) {
	res, ok, err := s.Lookup(id)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("object %s: %w", id, fs.ErrNotExist)
	}
	root := s.ObjectDir(s.Target(id))
	info, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return res, false, nil // only a record
	}
	if err != nil {
		return nil, false, err
	}
	if !info.IsDir() {
		return nil, false, fmt.Errorf("object %.12s is not a directory", id)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type().IsRegular():
			if _, ok := res.Files[filepath.ToSlash(rel)]; !ok && rel != ResultFile {
				return fmt.Errorf("%s is not in its record", rel)
			}
		case d.IsDir():
			if p == root {
				return nil
			}
			entries, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			if len(entries) == 0 {
				return fmt.Errorf("%s is an empty directory, which a record does not keep", rel)
			}
		default:
			return fmt.Errorf("%s is a %s, which a record does not keep", rel, d.Type())
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("object %.12s cannot be shared: %w", id, err)
	}
	return res, true, nil
}
