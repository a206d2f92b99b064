package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/engine/store"
)

// NextRelease increments a release as Koji's get_next_release does
// (docs/koji-behaviour.md#release-numbering): "" → "1", "N" → "N+1", "N.suffix" → "N+1.suffix",
// "a.b.N" → "a.b.N+1"; anything else is an error asking for an explicit
// release.
func NextRelease(latest string) (string, error) {
	if latest == "" {
		return "1", nil
	}
	parts := strings.Split(latest, ".")
	inc := func(s string) (string, bool) {
		if !numeric.MatchString(s) {
			return "", false
		}
		n, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			return "", false
		}
		return strconv.FormatUint(n+1, 10), true
	}
	switch len(parts) {
	case 1:
		if n, ok := inc(parts[0]); ok {
			return n, nil
		}
	case 2:
		if n, ok := inc(parts[0]); ok {
			return n + "." + parts[1], nil
		}
	case 3:
		if n, ok := inc(parts[2]); ok {
			return parts[0] + "." + parts[1] + "." + n, nil
		}
	}
	return "", &ReleaseError{Msg: fmt.Sprintf("cannot increment release %q (Koji increments N, N.suffix and a.b.N); set release in the recipe", latest)}
}

var numeric = regexp.MustCompile(`^[0-9]+$`)

// ReleaseError is a release that cannot be settled.
type ReleaseError struct{ Msg string }

func (e *ReleaseError) Error() string { return e.Msg }

// ReleaseKey identifies what a build is made of, its release aside: the
// IDs every stage would have with no release. Two runs with the same key
// build the same images, so a published build with this key is up to date
// (docs/architecture.md#releases). Kinds that use the release count with everything else they
// hash (see docs/decisions/0010-release-key.md).
func (p *Plan) ReleaseKey() string {
	ids := make(map[*Node]string, len(p.Nodes))
	all := make([]string, 0, len(p.Nodes))
	// Nodes are in topological order: every upstream ID is known first.
	for _, n := range p.Nodes {
		ids[n] = stageIDWith(n, n.Arches[0], "", func(dep *Node) string { return ids[dep] })
		all = append(all, ids[n])
	}
	slices.Sort(all)
	sum := sha256.Sum256([]byte(strings.Join(all, "\n")))
	return hex.EncodeToString(sum[:])
}

// UsesRelease reports whether any stage of the plan uses the release, so
// that a run must settle one before it starts.
func (p *Plan) UsesRelease() bool {
	for _, n := range p.Nodes {
		if n.Kind.UsesRelease {
			return true
		}
	}
	return false
}

// Release is the release a run settled.
type Release struct {
	Release string
	// UpToDate says a published build already holds this release key.
	UpToDate bool
}

// claimRelease settles a build's release for a run whose stages have the
// given release key (docs/architecture.md#releases). An explicit release
// is checked against the store; otherwise a published build with the same
// key gives its release (the run is up to date), or the next release after
// the newest build (published, deleted or reserved) is reserved. Scratch
// builds reserve nothing. unlock releases the reservation's lock; it is nil
// when nothing is held.
func claimRelease(st *store.Store, b Build, key, run string) (rel Release, unlock func(), err error) {
	builds, err := st.Builds(b.Name, b.Version)
	if err != nil {
		return Release{}, nil, err
	}
	for _, rec := range builds {
		if rec.State == store.BuildPublished && rec.Key == key && (b.Release == "" || b.Release == rec.Release) {
			return Release{Release: rec.Release, UpToDate: true}, nil, nil
		}
	}
	res := store.Reservation{Run: run, Key: key, Created: time.Now().UTC()}
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
		if rec.State != store.BuildReserved || st.Active(b.Name, b.Version, rec.Release) {
			latest = rec.Release
		}
	}
	release, err := NextRelease(latest)
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
		if release, err = NextRelease(release); err != nil {
			return Release{}, nil, err
		}
	}
	return Release{}, nil, errors.New("could not reserve a release: ten in a row are taken")
}
