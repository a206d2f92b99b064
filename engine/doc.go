// Package engine plans and runs imgpipe recipes.
//
// Plan turns a parsed recipe into a graph of stage instances: it evaluates
// variables and locals, checks every stage block against its Kind, derives
// edges from references (stage.<name>.<output>) and depends_on, instantiates
// each stage once per architecture, and gives every instance a stage ID, a
// Merkle hash of its kind, resolved configuration, inputs and executor.
// Instances with the same ID are one node, so a stage that does not depend
// on the architecture runs once for all of them.
//
// Each instance runs on an executor: the host, a podman container, or an
// executor block's service, named by the stage or chosen by its arch
// (routing; Kind.Local kinds stay on the host). The engine imports no
// container library: the caller's Containers opens container executors, and
// Plan.Resolve puts their identities (image IDs) into the stage IDs.
//
// Run walks that graph in parallel, satisfies nodes from the store when their
// object exists, runs the rest through an Executor, and reports everything as
// events.
//
// The engine knows no stage kind: kinds are values (Kind) registered by the
// caller, normally stages.All(). It has no user interface either: front ends
// read the event stream.
package engine
