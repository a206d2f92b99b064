package engine

import "github.com/imgpipe/imgpipe/engine/store"

// ClaimedRelease is what ClaimRelease returns to the external tests.
type ClaimedRelease struct {
	Release  string
	UpToDate bool
	Unlock   func()
	// Plan is the plan with the release settled, as Run walks it.
	Plan *Plan
}

// ClaimRelease settles a plan's release as Run does before its first stage.
func ClaimRelease(p *Plan, st *store.Store, run string) (*ClaimedRelease, error) {
	b := p.Build
	rel, unlock, err := st.ClaimRelease(store.ReleaseClaim{
		Name: b.Name, Version: b.Version, Release: b.Release, Scratch: b.Scratch,
		Key: p.ReleaseKey(), Run: run,
	})
	if err != nil {
		return nil, err
	}
	return &ClaimedRelease{Release: rel.Release, UpToDate: rel.UpToDate, Unlock: unlock, Plan: p.withRelease(rel.Release)}, nil
}
