// Command vmbench times imgpipe's guest-install stage against the same qemu
// command run by hand, on the hermetic fixture tree (x86_64, TCG, disk 256M,
// memory 512 MiB), so that what is measured is the stage's overhead
// (planning, the store, kickstart injection, the HTTP tree server, QMP and
// the watchdogs) over the install itself.
//
//	imgpipe   parse, plan, resolve and engine.Run of a recipe with one
//	          guest-install stage, against a fresh store each run
//	by hand   the exact qemu argv the stage ran (recorded through a wrapping
//	          executor), with a fresh raw disk of the same size, the same
//	          kickstart-injected initrd (hard-linked before the stage removes
//	          it), the tree served over HTTP by vmbench (inst.repo= names its
//	          port) and fresh paths for the QMP socket and network dump
//
// The first imgpipe run records the argv and is not counted. Then the two are
// interleaved -runs times each (by hand first); the medians count. The target
// is imgpipe/by-hand <= 1.10. Run it with `go tool task bench`.
package main
