// Command validatebench checks that `imgpipe validate` takes time linear in
// the size of its input, and that inputs over imgpipe's limits fail fast
// (docs/reliability-recipe-limits.md). For each case it writes the input at
// size N and 2N (internal/bigconfig), times `imgpipe validate` on each (the
// best of -runs), and prints the ratio t(2N)/t(N): about 2 is linear, about
// 4 quadratic. Target: every ratio <= 2.6 (the process's fixed start-up
// makes small inputs look better than linear, noise worse).
//
//	ini-unknown-keys        a Koji INI with N unknown keys (every one an error)
//	ini-unknown-refs        N [DEFAULT] keys, and N keys that each interpolate
//	                        a missing one (an error with a "did you mean")
//	recipe-locals           N local values, each the previous plus 1
//	recipe-locals-reversed  the same declared last first
//	recipe-undeclared       N local values referring to undeclared ones (each
//	                        an error with a "did you mean")
//	recipe-bytes            a recipe of N bytes (mostly comments)
//
// Then, once each, the inputs over a limit, which must fail (exit 2) in
// under a second: a 50 MB recipe, a 100,000-deep expression, a 4 MB
// heredoc, a 20,000-line heredoc under the size limit, 2,000 unknown INI
// keys; and a heredoc just under the most imgpipe parses, which must be read
// (HCL joins a heredoc's lines in quadratic time, which is why it is
// bounded).
//
// Before the fixes of #12 these took 42 s (2,000 unknown keys), 24 s (a 4 MB
// heredoc) and 47 s (10,000 chained locals). Run it with `go tool task
// bench`, which builds bin/imgpipe first; -check exits 1 when a target is
// missed.
package main
