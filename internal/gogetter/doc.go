// Package gogetter runs go-getter v1 (github.com/hashicorp/go-getter) for
// fetch-ks in imgpipe-getter, a helper executable beside imgpipe, the way
// git runs git-remote-https: one JSON request on its standard input, one
// JSON response on its standard output.
//
// go-getter v1 links every getter it has, Google Cloud Storage's and S3's
// SDKs (gRPC, xDS, envoy, aws-sdk-go-v2) among them, and their package
// initialisation would cost every imgpipe command, `imgpipe ks flatten`
// included, more than its own work. Decision 0011 has the numbers.
//
// This package is the caller's side and imports no go-getter: the
// protocol, finding and running the helper (killed with its process group
// on cancellation), and the few pure pieces of go-getter's syntax that
// imgpipe needs while planning, with no process: SourceDirSubdir,
// NeedsDetect and the archive formats. Package helper is the other side;
// its tests check these pieces against go-getter itself.
//
// It is not a general go-getter client: the getters, detectors and limits
// are fetch-ks's, hardened as docs/decisions/0011 and docs/platform.md#go-getter
// say.
package gogetter
