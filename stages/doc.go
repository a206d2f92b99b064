// Package stages lists imgpipe's stage kinds. Each kind lives in its own
// package under stages/; All registers them explicitly, with no init side
// effects, and cmd/imgpipe hands the list to the engine.
package stages
