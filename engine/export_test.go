package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/imgpipe/imgpipe/engine/store"
)

// ClaimedRelease is what ClaimRelease returns to the external tests.
type ClaimedRelease struct {
	Release  string
	UpToDate bool
	Unlock   func()
}

// StandInKey stands for a plan's release key in tests of the store's release
// rules: a hash of its stage IDs, which differ when the recipes do. Run
// computes the real one from what the stages made (releaseKey).
func StandInKey(p *Plan) string {
	var ids []string
	for _, n := range p.Nodes {
		ids = append(ids, n.ID)
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return hex.EncodeToString(sum[:])
}

// ClaimRelease claims a plan's release in the store as Run does, with
// StandInKey for its key.
func ClaimRelease(p *Plan, st *store.Store, run string) (*ClaimedRelease, error) {
	b := p.Build
	rel, unlock, err := st.ClaimRelease(store.ReleaseClaim{
		Name: b.Name, Version: b.Version, Release: b.Release, Scratch: b.Scratch,
		Key: StandInKey(p), Run: run,
	})
	if err != nil {
		return nil, err
	}
	return &ClaimedRelease{Release: rel.Release, UpToDate: rel.UpToDate, Unlock: unlock}, nil
}
