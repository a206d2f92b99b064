// Package schemagen derives JSON Schemas (draft 2020-12) from Go types, so
// that the schemas imgpipe publishes for its machine-readable output (the
// event stream, and later plan --json and metadata.json) are generated from
// the types that produce that output rather than maintained by hand.
//
// It follows encoding/json's rules: exported fields, json tag names,
// embedded structs flattened, "omitempty"/"omitzero" fields optional and all
// others required, ",string" fields as strings, nil-able fields that are
// always emitted (slices, maps, pointers) nullable. time.Time is a string
// with format "date-time"; time.Duration, being an int64, an integer. Struct
// objects get "additionalProperties": false.
//
// What reflection cannot see (descriptions, enums) comes from maps keyed by
// property path; keys that match no property are errors, so a renamed field
// cannot silently lose its documentation.
//
// It is not a general JSON Schema library: it emits only the keywords listed
// on Schema, does not support recursive types, and does not validate. The
// schemas themselves, and the test that keeps the committed files in step
// with the Go types, live in the schemas package at the repository root.
package schemagen
