// Command dagbench times imgpipe's scheduler against make and go-task on the
// same dependency graph of trivial stages, so that what is measured is the
// engine's overhead (planning, hashing, the store, spawning), not the work.
//
// The graph has -layers layers of -width stages; every stage runs
// `/bin/true NAME` (the name makes each stage's config, and so its ID,
// distinct: imgpipe runs identical stages once), and each stage in layer k>0
// depends on two stages of layer k-1 (i and i+1, wrapping). dagbench writes it as an imgpipe recipe (exec stages with
// depends_on), a Makefile (phony targets, so make runs every one) and a
// Taskfile (run: once, so go-task runs a shared dependency once), then times:
//
//	imgpipe cold   imgpipe run --jobs J --progress plain --store FRESH recipe.hcl
//	imgpipe warm   the same against a store that already has every stage
//	make           make -j J
//	go-task        task --concurrency J (a binary built once, not `go tool task`)
//
// Each is run -runs times; the best time counts. It prints a table and the
// ratios the project aims for: cold/make <= 1.5, cold/go-task <= 0.5, and
// warm <= 150ms. Run it with `go tool task bench`, which builds bin/imgpipe
// first; `go tool task bench -- -runs 5` passes flags.
package main
