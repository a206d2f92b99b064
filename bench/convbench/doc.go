// Command convbench times the convert stage (package stages/convert) against
// the tools it wraps, on a 4 GiB sparse raw disk holding 200 MiB of random
// data (a fixed ChaCha8 seed, in four 50 MiB extents):
//
//	baseline  qemu-img convert -c -f raw -O qcow2 -o compat=0.10 disk out.qcow2,
//	          then sha256sum out.qcow2: two processes, timed together
//	imgpipe   the convert stage with formats ["qcow2"] through executor.Host,
//	          into a pending store object, then the store's Commit, which
//	          hashes the outputs (SHA-256) as a real run does
//
// The two run -runs times each, interleaved (baseline, imgpipe, baseline,
// ...); the medians count. Target: imgpipe / baseline <= 1.10.
//
// It then packages the same disk as a vsphere-ova in a child process (this
// binary re-executed with -ova-child) and reports the child's own peak RSS
// (getrusage(RUSAGE_SELF) in the child: qemu-img, which the stage runs, is
// not imgpipe's memory). Target: <= 64 MiB. The parent's view from wait4
// (ProcessState.SysUsage) is printed too: Linux folds the peak of the
// child's waited-for children into it, so it is qemu-img's peak when that
// is larger.
//
// Run it with `go tool task bench`; -check exits 1 when a target is missed.
package main
