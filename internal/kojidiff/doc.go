// Package kojidiff is the document `imgpipe koji diff --format json`
// prints (docs/koji-replay.md#diffing-against-kojis-build): Koji's build
// and the local one compared per arch, image files and packages. It is a
// leaf package of types so that schemas/ can generate
// schemas/kojidiff.schema.json from them.
//
// It does not read Koji or the store, nor compare: cmd/imgpipe/kojidiff.go
// does.
package kojidiff
