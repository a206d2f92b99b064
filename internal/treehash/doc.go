// Package treehash digests local files and directory trees for stage IDs
// and source revisions: content, structure and the executable bit, the way
// git sees a tree. It reads files; it does not copy or cache anything.
package treehash
