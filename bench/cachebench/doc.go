// Command cachebench times the team cache (docs/team-cache.md) on the
// quickstart: store A runs it and pushes to a registry, then store B, a
// fresh store standing for another machine, runs the same recipe pulling
// from it. It prints both times and B's ratio to A (target: at most 0.10),
// and how many VM and convert stages B started (target: none). Debian's
// docker-registry serves the cache on a free loopback port, as in the
// tests.
//
//	go run ./bench/cachebench -imgpipe bin/imgpipe -fixtures ~/.cache/imgpipe-fixtures
package main
