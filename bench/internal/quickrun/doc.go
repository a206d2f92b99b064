// Package quickrun times `imgpipe run` of the quickstart for the benches
// that compare one run against another (bench/cutoffbench,
// bench/cachebench): the flags they share, one timed run with the kinds of
// the stages it started, medians. It is not a benchmark itself and checks
// no target.
package quickrun
