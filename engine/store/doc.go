// Package store is imgpipe's on-disk store (DESIGN §4): immutable objects
// keyed by stage ID, and per-run directories for logs and events.
//
// An object is written into a temporary directory beside the others and
// renamed into place with result.json written last, so a reader sees either
// no object or a whole one, even if the writer is killed. The package knows
// nothing of recipes or stage kinds; it stores directories and a Result.
//
// Published builds (builds/, scratch/) are not here yet: the upload stage
// owns them.
package store
