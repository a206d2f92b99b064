// Package helper is imgpipe-getter: the side of package gogetter that
// links go-getter v1. Main reads one gogetter.Request from standard input,
// runs it with a hardened go-getter client and writes one
// gogetter.Response to standard output.
//
// Hardened as docs/platform.md#go-getter says: an explicit map of getters (git, hg,
// http, https, file, s3, gcs), a fresh client per request, symlinks
// disabled, no X-Terraform-Get redirects, imgpipe's own http.Client with a
// byte limit and idle and total timeouts, local files copied,
// decompressors limited in entries and size that fail rather than
// truncate, and that refuse archive members that are links or special
// files (a gogetter.RefusedError).
//
// It is imported by cmd/imgpipe-getter and by tests that run their test
// binary as the helper (RunAsHelper); never by imgpipe itself.
package helper
