// Package engine prepares and runs imgpipe recipes. It is the facade the
// command line, tests and benchmarks use, in two calls:
//
//	plan, execs, diags := planner.Prepare(ctx, recipe, opts)
//	summary, err := engine.Run(ctx, plan, execs, store, runOpts)
//
// Prepare turns a parsed recipe into a graph of stage instances: it
// evaluates variables, locals and the build block (engine/eval), checks
// every stage block against its kind (engine/kind), derives edges from
// references (stage.<name>.<output>) and depends_on, instantiates each stage
// once per architecture, picks each instance's executor (named by the stage,
// or routed by its arch), hashes local inputs, pins sources, opens the
// container executors, and gives every instance a stage ID: a Merkle hash
// of its kind, resolved configuration, inputs and executor
// (docs/architecture.md#stage-ids). Instances of one stage with the same ID
// are one node, so a stage that does not depend on the architecture runs
// once for all of them.
//
// A Plan is a value: nothing changes it after Prepare. The open executors are
// returned beside it (Executors). Run walks the graph in parallel
// (engine/graph), satisfies nodes from the store when their object exists,
// or an object made from the same input bytes (early cutoff: content keys,
// docs/architecture.md#early-cutoff), or a team cache's object pulled into
// the store (RunOptions.CacheFrom, an engine/cache.Remote; pushes go to
// CacheTo in the background, and Run returns after them:
// docs/team-cache.md), runs the rest through their kind,
// settles the build's release from what the stages before it made and runs
// the stages it decides under the IDs it gives, and reports everything as
// events (engine/events). An instance routed to a pool of builders is
// placed on one when it runs, and moved once to another when its builder is
// lost (pool.go; docs/remote-builders.md#builder-pools); its ID never names
// the builder. Before anything runs, Plan.StatusesWithCache tells what a run
// would do with each instance, asking the team cache only whether it has an
// entry (status.go).
//
// The engine knows no stage kind: kinds are values (kind.Kind) registered by
// the caller, normally stages.All(), and it imports no container library:
// the caller's executor.Opener opens container executors, and no registry
// client: the caller opens a team cache (engine/cache/oci). It has no user
// interface either: front ends read the event stream. docs/architecture.md
// is the map of the whole.
package engine
