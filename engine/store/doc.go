// Package store is imgpipe's on-disk store (docs/architecture.md#the-store): immutable objects
// keyed by stage ID, and per-run directories for logs and events.
//
// Layout:
//
//	objects/<id>/             an object with files: the stage's outputs, and
//	objects/<id>/result.json  its record, written last
//	objects/<id>.json         the record of an object without files (a stage
//	                          that declares no outputs)
//	runs/<run>/               events.jsonl, report.json, and
//	runs/<run>/<arch>/<stage>/log  each stage's output, if it printed any
//	tmp/<id>.<random>/        objects being written
//	tmp/run-<run>/            a run's scratch space, removed when it ends
//	tmp/locks                 the byte-range locks of Lock
//
// An object is written into a temporary directory beside the others and
// renamed into place with result.json written last, so a reader sees either
// no object or a whole one, even if the writer is killed. The package knows
// nothing of recipes or stage kinds; it stores directories and a Result.
//
// Published builds (builds/, scratch/) are not here yet: the upload stage
// owns them.
package store
