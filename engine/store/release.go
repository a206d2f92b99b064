package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// ReleaseClaim is a build whose release a run settles.
type ReleaseClaim struct {
	Name, Version string
	// Release is the recipe's release, or empty for the next free one.
	Release string
	Scratch bool
	// Key is the run's release key: a published build with the same key
	// holds what the run would build.
	Key string
	Run string
}

// Release is a settled release.
type Release struct {
	Release string
	// UpToDate says a published build already holds this release key.
	UpToDate bool
}

// ReleaseError is a release that cannot be settled: the recipe must set
// one, or another.
type ReleaseError struct{ Msg string }

func (e *ReleaseError) Error() string { return e.Msg }

// ClaimRelease settles the release of a build for a run whose stages have
// the release key c.Key (docs/architecture.md#releases). An explicit
// release is checked against the store; otherwise a published build with
// the same key gives its release (the run is up to date), or the release
// after the newest build (published, deleted or reserved) is reserved, as
// Koji numbers them (kojifacts.NextRelease). Scratch builds reserve
// nothing. unlock releases the reservation's lock; it is nil when nothing
// is held. A release that cannot be settled is a *ReleaseError.
func (st *Store) ClaimRelease(c ReleaseClaim) (rel Release, unlock func(), err error) {
	b := c
	builds, err := st.Builds(b.Name, b.Version)
	if err != nil {
		return Release{}, nil, err
	}
	for _, rec := range builds {
		if rec.State == BuildPublished && rec.Key == c.Key && (b.Release == "" || b.Release == rec.Release) {
			return Release{Release: rec.Release, UpToDate: true}, nil, nil
		}
	}
	res := Reservation{Run: c.Run, Key: c.Key, Created: time.Now().UTC()}
	if b.Release != "" {
		if b.Scratch {
			return Release{Release: b.Release}, nil, nil
		}
		ok, unlock, err := st.Reserve(b.Name, b.Version, b.Release, res)
		if err != nil {
			return Release{}, nil, err
		}
		if !ok {
			return Release{}, nil, &ReleaseError{Msg: fmt.Sprintf("build %s-%s-%s already exists in the store (or another run is building it); change release, or leave it unset for the next free one", b.Name, b.Version, b.Release)}
		}
		return Release{Release: b.Release}, unlock, nil
	}
	// The newest build counts whatever its state, except a reservation
	// whose run is gone: its release is free again (Koji recycles the
	// releases of failed builds).
	latest := ""
	for _, rec := range builds {
		if rec.State != BuildReserved || st.Active(b.Name, b.Version, rec.Release) {
			latest = rec.Release
		}
	}
	release, err := nextRelease(latest)
	if err != nil {
		return Release{}, nil, err
	}
	if b.Scratch {
		return Release{Release: release}, nil, nil
	}
	// Like Koji, retry with the following releases when one is taken by a
	// concurrent run.
	for range 10 {
		ok, unlock, err := st.Reserve(b.Name, b.Version, release, res)
		if err != nil {
			return Release{}, nil, err
		}
		if ok {
			return Release{Release: release}, unlock, nil
		}
		if release, err = nextRelease(release); err != nil {
			return Release{}, nil, err
		}
	}
	return Release{}, nil, errors.New("could not reserve a release: ten in a row are taken")
}

// PublishedRelease returns the release of the published build of name and
// version whose release key is key, if there is one: a run with that key
// is up to date with it.
func (st *Store) PublishedRelease(name, version, key string) (string, bool) {
	builds, err := st.Builds(name, version)
	if err != nil {
		return "", false
	}
	for _, rec := range builds {
		if rec.State == BuildPublished && rec.Key == key {
			return rec.Release, true
		}
	}
	return "", false
}

// nextRelease is Koji's next release, its error a *ReleaseError.
func nextRelease(latest string) (string, error) {
	next, err := kojifacts.NextRelease(latest)
	if err != nil {
		return "", &ReleaseError{Msg: err.Error()}
	}
	return next, nil
}
