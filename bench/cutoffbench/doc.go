// Command cutoffbench times what early cutoff saves on the quickstart
// (examples/quickstart): a full run on a fresh store, then a rerun after a
// comment is added to the kickstart (which flattens away: no VM, no
// conversion, the same release), then a rerun after a package is removed
// (both arches installed again, the next release). Each round uses a fresh
// store; -runs rounds, the medians count. It prints the times and the
// ratios against the full run, and checks the project's aim: a comment
// edit costs at most 5% of a full run and starts no guest-install or
// boot-verify.
//
// It runs bin/imgpipe (`go tool task bench` builds it) with --progress
// json, and reads the events for the stages that started.
package main
