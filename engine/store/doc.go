// Package store is imgpipe's on-disk store (docs/architecture.md#the-store): immutable
// objects keyed by stage ID, per-run directories for logs and events, and
// the builds published from them. It is the one package that knows where
// things are in a store; everything else asks it.
//
// Layout:
//
//	objects/<id>/             an object with files: the stage's outputs, and
//	objects/<id>/result.json  its record (each file's size, sha256 and
//	                          fingerprint), written last
//	objects/<id>.json         the record of an object without files (a stage
//	                          that declares no outputs)
//	objects/<id> → <other>    an alias: a stage ID whose stage reused, by its
//	                          content key, an object another ID made
//	keys/<run>.idx, keys/index  content key → object, per run and as gc
//	                          compacts them (ContentIndex)
//	runs/<run>/               events.jsonl, report.json, objects.list (Uses), and
//	runs/<run>/<arch>/<stage>/log  each stage's output, if it printed any
//	runs/<run>/<arch>/<stage>/log.tail-<n>-*  its tail while it runs; a
//	                          killed run's are appended to the log (CleanTmp, GC)
//	tmp/<id>.<random>/        objects being written
//	tmp/run-<run>/            a run's scratch space, removed when it ends
//	tmp/locks                 the byte-range locks of Lock
//	builds/<name>/<version>/<release>/  a build (BuildDir), in one of three
//	                          states: published (metadata.json), deleted
//	                          (tombstone) or reserved (reservation.json)
//	scratch/<user>/<run>/     a scratch build (ScratchDir): published once
//	                          its metadata.json is there; no release reserved
//
// An object is written into a temporary directory beside the others and
// renamed into place with result.json written last, so a reader sees either
// no object or a whole one, even if the writer is killed. Its files are
// made read-only and their fingerprints recorded (verify.go): a run reuses
// an object only once LookupVerified found it intact, and removes a
// damaged one; Verify reads a whole store. The package knows nothing of
// recipes or stage kinds; it stores directories and a Result.
//
// Every stage ID names its object; a content key names the object a stage
// made from given input bytes (docs/architecture.md#early-cutoff), so that
// another stage ID with the same inputs finds it (ContentIndex) and becomes
// its alias (Alias). gc keeps the objects that aliases it keeps
// name.
//
// A build's release is reserved (Reserve) before the run that builds it,
// so that two runs never take the same one; a published build exists iff
// its metadata.json (BuildMetadata) does; a deleted one keeps a tombstone,
// so that its release is never reused. The store lists, finds and deletes
// builds (AllBuilds, FindBuild, DeleteBuild, DeleteScratch). What else a
// build directory holds, and the order its files are written in, is the
// upload stage's (stages/upload): it publishes into BuildDir or ScratchDir
// and writes metadata.json last.
package store
