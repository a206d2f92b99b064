// Package schemas holds the JSON Schemas of imgpipe's machine-readable
// output, and the code that generates them from the Go types that produce
// that output.
//
// The *.schema.json files in this directory are generated; do not edit
// them. TestSchemasUpToDate regenerates every schema in memory and fails if
// a committed file differs. After changing a published type, rewrite the
// files with
//
//	UPDATE_GOLDEN=1 go test ./schemas
//
// (or go test ./schemas -update) and commit the result. A new field must
// also be given a description in this package, or generation fails.
//
// The files are also embedded (FS), so the binary can print or serve them.
package schemas
