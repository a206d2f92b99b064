// Package fetchks is the fetch-ks stage kind (docs/architecture.md#stage-kinds).
//
// Fetch a kickstart and the tree around it: a Koji SCM URL, a local path,
// http(s) or any go-getter URL (github.com/hashicorp/go-getter v1, run in
// the imgpipe-getter helper and hardened there: see internal/gogetter and
// docs/decisions/0011-getter-helper.md).
//
// A fetch has three steps, each usable on its own (cmd/imgpipe's `ks fetch`
// uses them without the engine):
//
//   - Request.Problems checks a request statically; the kind's Validate
//     reports them, so `imgpipe validate` never fetches. A go-getter
//     shorthand (git@host:path) is only checked for its syntax here: its
//     expansion needs go-getter's detectors, in Resolve and Fetch.
//   - Resolve pins the source to a revision (a full commit, a checksum or
//     a content digest), which the kind's Resolve puts into the stage ID.
//   - Fetch fetches exactly that revision into <out>/tree.
//
// ParseSCMURL is the pure parser of Koji's and go-getter's git syntax.
package fetchks
