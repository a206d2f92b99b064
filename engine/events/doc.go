// Package events defines the one typed event stream that a run emits and
// every front end (terminal view, plain CI log, JSON lines, report) reads.
//
// It holds value types and a Sink interface only; rendering lives in
// internal/progress, persistence in the engine's store.
package events
