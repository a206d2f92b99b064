// Package executor runs one process for a stage: on the host (Host) or, in
// executor/podman, inside a container.
//
// An executor knows nothing about stages, recipes or the store. A Cmd declares
// everything the process touches (argv, env, working directory, the input
// paths it reads and the output directory it writes), so an executor that
// runs the process elsewhere can make those paths available there.
//
// Host ends every process it started, and all they started, before Run
// returns (in a cgroup of their own where it can make one); SweepOrphans ends
// what a killed imgpipe left (docs/ states the guarantee). OwnerLabels and
// OwnerGone name this process for what outlives it elsewhere (podman's
// containers), so that the next imgpipe can tell a killed owner's leftovers.
//
// This package is not a process supervisor: it does not retry, time out or
// log on its own. Deadlines and cancellation come from the context.
package executor
