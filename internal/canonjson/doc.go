// Package canonjson encodes cty values as canonical JSON: one encoding for
// each value, whatever the order its maps were built in, so that a digest of
// the encoding identifies the value. Stage IDs hash configurations this way,
// and `imgpipe plan --json` prints them so. It does not decode.
package canonjson
