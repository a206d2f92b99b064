package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Build states in the store (docs/architecture.md#the-store): a build exists iff
// its metadata.json does; a deleted build leaves a tombstone so its release
// is never reused; a reservation holds a release for a run that has not
// published yet. A scratch build, under scratch/, reserves no release.
const (
	BuildPublished = "published"
	BuildDeleted   = "deleted"
	BuildReserved  = "reserved"
	BuildScratch   = "scratch"
)

// Files of a build directory.
const (
	MetadataFile    = "metadata.json"
	TombstoneFile   = "tombstone"
	ReservationFile = "reservation.json"
)

// BuildRecord is one build in the store: a release of a name and version
// under builds/, or a scratch build.
type BuildRecord struct {
	Name, Version, Release string
	State                  string
	// Key is the release key of the stages the build was made of
	// (metadata.json, tombstone or reservation.json "release_key").
	Key     string
	Created time.Time
	// Arches are the architectures published: none unless the build is
	// published or scratch.
	Arches []string
	Dir    string
}

// NVR returns name-version-release.
func (b BuildRecord) NVR() string { return b.Name + "-" + b.Version + "-" + b.Release }

// Reservation is reservation.json.
type Reservation struct {
	Run     string    `json:"run"`
	Key     string    `json:"release_key"`
	Created time.Time `json:"created"`
}

func (s *Store) buildsDir() string  { return filepath.Join(s.Dir, "builds") }
func (s *Store) scratchDir() string { return filepath.Join(s.Dir, "scratch") }

// BuildDir returns builds/<name>/<version>/<release>/.
func (s *Store) BuildDir(name, version, release string) string {
	return filepath.Join(s.buildsDir(), name, version, release)
}

// Builds lists the releases of name-version, oldest first.
func (s *Store) Builds(name, version string) ([]BuildRecord, error) {
	dir := filepath.Join(s.buildsDir(), name, version)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BuildRecord
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b := BuildRecord{Name: name, Version: version, Release: e.Name(), Dir: filepath.Join(dir, e.Name())}
		var rec struct {
			Key     string    `json:"release_key"`
			Created time.Time `json:"created"`
			Arches  []string  `json:"arches"`
		}
		switch {
		case exists(filepath.Join(b.Dir, TombstoneFile)):
			b.State = BuildDeleted
			readJSON(filepath.Join(b.Dir, TombstoneFile), &rec)
		case exists(filepath.Join(b.Dir, MetadataFile)):
			b.State = BuildPublished
			readJSON(filepath.Join(b.Dir, MetadataFile), &rec)
		default:
			b.State = BuildReserved
			readJSON(filepath.Join(b.Dir, ReservationFile), &rec)
		}
		b.Key, b.Created, b.Arches = rec.Key, rec.Created, rec.Arches
		if b.Created.IsZero() {
			if info, err := e.Info(); err == nil {
				b.Created = info.ModTime()
			}
		}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(a, b BuildRecord) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// Reserve claims release for a run: it creates the build directory with
// reservation.json, or takes over a reservation whose run is gone. It
// reports false when another build holds the release. The caller keeps the
// returned unlock until it has published or given up.
func (s *Store) Reserve(name, version, release string, res Reservation) (ok bool, unlock func(), err error) {
	lockName := "release/" + name + "/" + version + "/" + release // see Active
	unlock, err = s.tryLock(lockName)
	if err != nil || unlock == nil {
		return false, nil, err // another run holds it right now
	}
	dir := s.BuildDir(name, version, release)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		unlock()
		return false, nil, err
	}
	switch err := os.Mkdir(dir, 0o755); {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		// A published or deleted build keeps its release; a reservation
		// left by a run that died is free again (Koji recycles failed
		// builds' releases).
		if exists(filepath.Join(dir, MetadataFile)) || exists(filepath.Join(dir, TombstoneFile)) {
			unlock()
			return false, nil, nil
		}
	default:
		unlock()
		return false, nil, err
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, ReservationFile), append(b, '\n'), 0o644); err != nil {
		unlock()
		return false, nil, fmt.Errorf("reserve release %s: %w", release, err)
	}
	return true, unlock, nil
}

// Tombstone is the tombstone file a deleted build leaves, so that its
// release is never reused. Created is the build's creation time, which
// orders it among the other releases; Deleted is when it was deleted.
type Tombstone struct {
	Key     string    `json:"release_key"`
	Created time.Time `json:"created"`
	Deleted time.Time `json:"deleted"`
}

// ScratchDir returns scratch/<user>/<run>/, where a scratch build of a run
// is published.
func (s *Store) ScratchDir(user, run string) string {
	return filepath.Join(s.scratchDir(), user, run)
}

// AllBuilds lists every build of the store: the releases under builds/,
// sorted by name, version and creation, then the published scratch builds,
// oldest first. A scratch build is known by its metadata.json alone: one
// whose run has not published it is left out.
func (s *Store) AllBuilds() ([]BuildRecord, error) {
	var out []BuildRecord
	names, err := subdirs(s.buildsDir())
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		versions, err := subdirs(filepath.Join(s.buildsDir(), name))
		if err != nil {
			return nil, err
		}
		for _, version := range versions {
			recs, err := s.Builds(name, version)
			if err != nil {
				return nil, err
			}
			out = append(out, recs...)
		}
	}
	users, err := subdirs(s.scratchDir())
	if err != nil {
		return nil, err
	}
	for _, user := range users {
		runs, err := subdirs(filepath.Join(s.scratchDir(), user))
		if err != nil {
			return nil, err
		}
		for _, run := range runs {
			dir := s.ScratchDir(user, run)
			m, err := ReadMetadata(dir)
			if err != nil {
				continue // not published (yet)
			}
			out = append(out, BuildRecord{
				Name: m.Name, Version: m.Version, Release: m.Release, State: BuildScratch,
				Key: m.ReleaseKey, Created: m.Created, Arches: m.Arches, Dir: dir,
			})
		}
	}
	slices.SortStableFunc(out, func(x, y BuildRecord) int {
		if (x.State == BuildScratch) != (y.State == BuildScratch) {
			if x.State == BuildScratch {
				return 1
			}
			return -1
		}
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		if c := strings.Compare(x.Version, y.Version); c != 0 {
			return c
		}
		return x.Created.Compare(y.Created)
	})
	return out, nil
}

// FindBuild resolves name-version-release to a build of the store: its
// release under builds/ (whatever its state), else the newest scratch
// build of that N-V-R. It reports false when there is none.
func (s *Store) FindBuild(nvr string) (BuildRecord, bool, error) {
	builds, err := s.AllBuilds()
	if err != nil {
		return BuildRecord{}, false, err
	}
	var found []BuildRecord
	for _, b := range builds {
		if b.NVR() == nvr {
			found = append(found, b)
		}
	}
	switch {
	case len(found) == 0:
		return BuildRecord{}, false, nil
	case found[0].State != BuildScratch:
		return found[0], true, nil
	}
	return found[len(found)-1], true, nil
}

// DeleteScratch deletes a scratch build: its directory. A scratch build
// reserves no release, so it leaves no tombstone.
func (s *Store) DeleteScratch(b BuildRecord) error {
	rel, err := filepath.Rel(s.scratchDir(), b.Dir)
	if b.State != BuildScratch || err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("%s is not a scratch build of %s", b.Dir, s.Dir)
	}
	return removeAll(b.Dir)
}

// LockBuild takes the lock that serialises changes to a build directory's
// metadata.json, SHA256SUMS and tombstone (the upload instances of a
// build's architectures, `imgpipe builds delete`). It is not the release's
// reservation lock, which a run holds for as long as it lasts.
func (s *Store) LockBuild(ctx context.Context, dir string) (unlock func(), err error) {
	rel, err := filepath.Rel(s.Dir, dir)
	if err != nil {
		return nil, err
	}
	return s.LockContext(ctx, "build/"+filepath.ToSlash(rel))
}

// DeleteBuild deletes a published build: it writes the tombstone first,
// then removes metadata.json (so the build no longer exists), then every
// other file. Killed half-way, the build is deleted and a second call
// removes what is left. It refuses a build that was never published.
func (s *Store) DeleteBuild(ctx context.Context, name, version, release string) error {
	dir := s.BuildDir(name, version, release)
	unlock, err := s.LockBuild(ctx, dir)
	if err != nil {
		return err
	}
	defer unlock()
	nvr := name + "-" + version + "-" + release
	tomb := filepath.Join(dir, TombstoneFile)
	if !exists(tomb) {
		if !exists(filepath.Join(dir, MetadataFile)) {
			if exists(dir) {
				return fmt.Errorf("build %s is not published (a run is building it, or one died before publishing)", nvr)
			}
			return fmt.Errorf("no build %s in the store", nvr)
		}
		var rec struct {
			Key     string    `json:"release_key"`
			Created time.Time `json:"created"`
		}
		readJSON(filepath.Join(dir, MetadataFile), &rec)
		b, _ := json.MarshalIndent(Tombstone{Key: rec.Key, Created: rec.Created, Deleted: time.Now().UTC()}, "", "  ")
		tmp := tomb + ".tmp-" + randHex()
		if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("delete %s: %w", nvr, err)
		}
		if err := os.Rename(tmp, tomb); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("delete %s: %w", nvr, err)
		}
	}
	if err := os.Remove(filepath.Join(dir, MetadataFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", nvr, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == TombstoneFile {
			continue
		}
		if err := removeAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("delete %s: %w", nvr, err)
		}
	}
	return nil
}

// Active reports whether a run holds the reservation of a release.
func (s *Store) Active(name, version, release string) bool {
	busy, err := s.busy("release/" + name + "/" + version + "/" + release)
	return err == nil && busy
}

// subdirs lists the directories in dir, none if dir does not exist.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func readJSON(path string, v any) {
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, v)
	}
}
