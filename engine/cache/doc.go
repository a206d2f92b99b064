// Package cache is what the engine knows of a team cache
// (docs/team-cache.md): a store of objects that several machines share,
// looked up by stage ID and by content key after the local store missed
// (and, by `imgpipe plan`, only asked whether it has an entry: Has),
// and filled with what a run built. It holds the interface the engine
// calls (Remote), the errors it tells apart (ErrMiss, *RefusedError,
// *UnreachableError); engine/cacheref reads a cache's reference.
//
// It is not an implementation: engine/cache/oci keeps a cache in an OCI
// registry, and the command line opens it. Whatever a Remote brings in is
// verified by the local store (store.Import) before anything uses it.
package cache
