package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Verification (docs/reliability-immutability.md). An object records, when
// it is committed, every file's size and sha256 (Result.Files) and its
// fingerprint (Result.Fingerprints): what the file's inode says without
// reading it. Any write, truncation, chmod or replacement of the file
// changes its ctime, which only root-level tricks can set back; so a file
// whose fingerprint is the recorded one holds the recorded bytes, and only
// a file whose fingerprint changed is read again to tell.

// Fingerprint is what a file's inode says about its content.
type Fingerprint struct {
	Size    int64  `json:"size"`
	MtimeNs int64  `json:"mtime_ns"`
	CtimeNs int64  `json:"ctime_ns"`
	Inode   uint64 `json:"ino"`
}

// FingerprintOf returns the fingerprint of a file from its FileInfo
// (os.Stat's).
func FingerprintOf(info fs.FileInfo) Fingerprint {
	fp := Fingerprint{Size: info.Size(), MtimeNs: info.ModTime().UnixNano()}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		fp.CtimeNs = st.Ctim.Sec*1e9 + st.Ctim.Nsec
		fp.Inode = st.Ino
	}
	return fp
}

// Damage is one file that is not what its record says.
type Damage struct {
	// Path is the file's path relative to the object's (or the build's)
	// directory, with slashes.
	Path string `json:"path"`
	// Problem says what is wrong: missing, its size or its digest.
	Problem string `json:"problem"`
}

func (d Damage) String() string { return d.Path + ": " + d.Problem }

// DamagedError is an object whose files are not what its record says.
type DamagedError struct {
	ID     string
	Damage []Damage
}

func (e *DamagedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "object %.12s is damaged: %s", e.ID, e.Damage[0])
	if len(e.Damage) > 1 {
		fmt.Fprintf(&b, " (and %d more files)", len(e.Damage)-1)
	}
	return b.String()
}

// VerifyObject checks the files of the object id (or of the object an
// alias id names) against its record. With full it reads every file; else
// it reads only the files whose fingerprint is not the one recorded when
// the object was committed. It changes nothing. It returns the record and
// what is damaged (nil for an intact object), and fs.ErrNotExist, wrapped,
// when there is no object.
func (s *Store) VerifyObject(id string, full bool) (*Result, []Damage, error) {
	res, _, damage, err := s.verify(id, full)
	return res, damage, err
}

// verify is VerifyObject that also returns the fingerprints of the files
// it read and found intact although their fingerprint had changed (nil
// when none did).
func (s *Store) verify(id string, full bool) (res *Result, fresh map[string]Fingerprint, damage []Damage, err error) {
	res, ok, err := s.Lookup(id)
	if err != nil {
		return nil, nil, nil, err
	}
	if !ok {
		return nil, nil, nil, fmt.Errorf("object %s: %w", id, fs.ErrNotExist)
	}
	dir := s.ObjectDir(id)
	for _, rel := range slices.Sorted(maps.Keys(res.Files)) {
		want := res.Files[rel]
		path := filepath.Join(dir, filepath.FromSlash(rel))
		info, err := os.Stat(path)
		if err != nil {
			damage = append(damage, Damage{rel, "missing (" + errText(err) + ")"})
			continue
		}
		fp := FingerprintOf(info)
		if !info.Mode().IsRegular() {
			damage = append(damage, Damage{rel, "is not a regular file any more"})
			continue
		}
		if info.Size() != want.Size {
			damage = append(damage, Damage{rel, fmt.Sprintf("is %d bytes, recorded %d", info.Size(), want.Size)})
			continue
		}
		if recorded, ok := res.Fingerprints[rel]; ok && recorded == fp && !full {
			continue
		}
		sum, err := hashFile(path)
		if err != nil {
			damage = append(damage, Damage{rel, "cannot be read: " + errText(err)})
			continue
		}
		if sum != want.SHA256 {
			damage = append(damage, Damage{rel, fmt.Sprintf("has sha256 %.12s, recorded %.12s", sum, want.SHA256)})
			continue
		}
		if res.Fingerprints[rel] != fp {
			if fresh == nil {
				fresh = map[string]Fingerprint{}
			}
			// The fingerprint taken before reading: a write while the
			// file was read changes it again.
			fresh[rel] = fp
		}
	}
	return res, fresh, damage, nil
}

// LookupVerified is Lookup for a run about to reuse an object: it checks
// the object as VerifyObject does, cheaply, and reports a damaged object
// as absent, with a *DamagedError. Unless another run holds the object's
// lock (it may be rebuilding it), it also moves a damaged object out of
// objects/ and removes it, so that nothing reuses it and its stage is
// built again; and it records the fingerprints of files found intact
// after theirs changed (a store copied elsewhere, a chmod), so that they
// are not read again.
func (s *Store) LookupVerified(id string) (*Result, bool, error) {
	res, fresh, damage, err := s.verify(id, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if len(damage) == 0 && fresh == nil {
		return res, true, nil
	}
	target := s.Target(id)
	unlock, err := s.tryLock(target)
	if err != nil || unlock == nil {
		// Somebody builds or reads it now: leave it to them.
		if len(damage) > 0 {
			return nil, false, &DamagedError{ID: target, Damage: damage}
		}
		return res, true, nil
	}
	defer unlock()
	if len(damage) > 0 {
		if target != id {
			os.Remove(s.ObjectDir(id)) // the alias, best effort
		}
		s.discard(target)
		return nil, false, &DamagedError{ID: target, Damage: damage}
	}
	s.refresh(target, res, fresh) // best effort: the next run reads them again
	return res, true, nil
}

// discard moves the object id out of objects/, so that readers see it
// whole or not at all, and removes it. The caller holds its lock.
func (s *Store) discard(id string) {
	aside := filepath.Join(s.Dir, "tmp", id+".damaged-"+randHex())
	if err := os.Rename(s.ObjectDir(id), aside); err == nil {
		removeAll(aside)
	}
	os.Remove(s.recordPath(id))
}

// refresh records new fingerprints of the object id's files in its
// result.json (written aside and renamed). The caller holds its lock.
func (s *Store) refresh(id string, res *Result, fresh map[string]Fingerprint) error {
	r := *res
	r.Fingerprints = maps.Clone(res.Fingerprints)
	if r.Fingerprints == nil {
		r.Fingerprints = map[string]Fingerprint{}
	}
	maps.Copy(r.Fingerprints, fresh)
	b, err := json.MarshalIndent(&r, "", "  ")
	if err != nil {
		return err
	}
	dir := s.ObjectDir(id)
	tmp := filepath.Join(dir, ".tmp-"+randHex()+"-"+ResultFile)
	if err := os.WriteFile(tmp, append(b, '\n'), 0o444); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, ResultFile)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// seal makes every file under root read-only and returns their
// fingerprints, taken after: read-only files are a guard against
// accidental writes (root ignores it; the fingerprints are what tell).
func seal(root string) (map[string]Fingerprint, error) {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		paths = append(paths, path)
		// Best effort: a file a container's user owns may refuse the
		// chmod, and the mode is only a guard.
		MakeReadOnly(path)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Fingerprints after every chmod: two names of one inode share them.
	fps := make(map[string]Fingerprint, len(paths))
	for _, path := range paths {
		info, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, path)
		fps[filepath.ToSlash(rel)] = FingerprintOf(info)
	}
	return fps, nil
}

// MakeReadOnly takes the write permissions off a file, if it has any (a
// chmod changes the file's ctime, so one that changes nothing is skipped).
func MakeReadOnly(path string) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if mode := info.Mode().Perm(); mode&0o222 != 0 {
		return os.Chmod(path, mode&^0o222)
	}
	return nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// errText is an error without the path os puts in it.
func errText(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	return err.Error()
}

// SumsFile is a build's SHA256SUMS, in sha256sum's format: every file
// metadata.json lists, by path.
const SumsFile = "SHA256SUMS"

// Damaged is one damaged object or build that Verify found.
type Damaged struct {
	// Object is the ID of a damaged object; Build the N-V-R of a damaged
	// build (Scratch when it is a scratch build).
	Object  string `json:"object,omitempty"`
	Build   string `json:"build,omitempty"`
	Scratch bool   `json:"scratch,omitempty"`
	// What says what made the object: "<kind> <stage> [<arch>]".
	What   string   `json:"what,omitempty"`
	Dir    string   `json:"dir"`
	Damage []Damage `json:"damage"`
}

// VerifyReport is what Verify checked and found.
type VerifyReport struct {
	Objects int       `json:"objects"`
	Builds  int       `json:"builds"`
	Damaged []Damaged `json:"damaged"`
}

// Verify reads the whole store: every object's files against its record,
// and every published and scratch build's files against metadata.json and
// SHA256SUMS. It changes nothing.
func (s *Store) Verify() (*VerifyReport, error) {
	rep := &VerifyReport{Damaged: []Damaged{}}
	entries, err := os.ReadDir(filepath.Join(s.Dir, "objects"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink != 0 {
			continue // an alias: its object is checked under its own name
		}
		id := strings.TrimSuffix(e.Name(), ".json")
		if !validID(id) {
			continue
		}
		rep.Objects++
		d := Damaged{Object: id, Dir: filepath.Join(s.Dir, "objects", e.Name())}
		res, damage, err := s.VerifyObject(id, true)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.Damage = []Damage{{ResultFile, "missing: the object has no record"}}
		case err != nil:
			d.Damage = []Damage{{ResultFile, err.Error()}}
		default:
			d.Damage = damage
			d.What = res.Kind + " " + res.Stage + " [" + res.Arch + "]"
		}
		if len(d.Damage) > 0 {
			rep.Damaged = append(rep.Damaged, d)
		}
	}
	builds, err := s.AllBuilds()
	if err != nil {
		return nil, err
	}
	for _, b := range builds {
		if b.State != BuildPublished && b.State != BuildScratch {
			continue
		}
		rep.Builds++
		if damage := VerifyBuild(b.Dir); len(damage) > 0 {
			rep.Damaged = append(rep.Damaged, Damaged{Build: b.NVR(), Scratch: b.State == BuildScratch, Dir: b.Dir, Damage: damage})
		}
	}
	return rep, nil
}

// VerifyBuild reads every file of a published build and compares it with
// metadata.json, and SHA256SUMS with metadata.json. It returns what is
// damaged.
func VerifyBuild(dir string) []Damage {
	m, err := ReadMetadata(dir)
	if err != nil {
		return []Damage{{MetadataFile, "cannot be read: " + errText(err)}}
	}
	var damage []Damage
	want := map[string]string{} // path → sha256, as metadata.json says
	for _, arch := range slices.Sorted(maps.Keys(m.Builds)) {
		for _, f := range m.Builds[arch].Files() {
			want[f.Path] = f.SHA256
			path := filepath.Join(dir, filepath.FromSlash(f.Path))
			info, err := os.Stat(path)
			switch {
			case err != nil:
				damage = append(damage, Damage{f.Path, "missing (" + errText(err) + ")"})
				continue
			case info.Size() != f.Size:
				damage = append(damage, Damage{f.Path, fmt.Sprintf("is %d bytes, published %d", info.Size(), f.Size)})
				continue
			}
			sum, err := hashFile(path)
			switch {
			case err != nil:
				damage = append(damage, Damage{f.Path, "cannot be read: " + errText(err)})
			case sum != f.SHA256:
				damage = append(damage, Damage{f.Path, fmt.Sprintf("has sha256 %.12s, published %.12s", sum, f.SHA256)})
			}
		}
	}
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return append(damage, Damage{SumsFile, "cannot be read: " + errText(err)})
	}
	listed := map[string]bool{}
	for line := range strings.Lines(string(sums)) {
		sum, path, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "  ")
		switch {
		case !ok:
			damage = append(damage, Damage{SumsFile, fmt.Sprintf("has a line that is not \"<sha256>  <path>\": %q", line)})
		case want[path] == "":
			damage = append(damage, Damage{SumsFile, "lists " + path + ", which metadata.json does not"})
		case want[path] != sum:
			damage = append(damage, Damage{SumsFile, fmt.Sprintf("says %s has sha256 %.12s; metadata.json says %.12s", path, sum, want[path])})
		}
		listed[path] = true
	}
	for _, path := range slices.Sorted(maps.Keys(want)) {
		if !listed[path] {
			damage = append(damage, Damage{SumsFile, "does not list " + path})
		}
	}
	return damage
}
