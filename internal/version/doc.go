// Package version is the imgpipe binary's version: the version it was
// released as ("dev" for any other build) and the VCS commit Go recorded
// when it built it. The command prints it (`imgpipe version`); the upload
// stage records it in metadata.json and sends it as its User-Agent.
//
// It is a leaf package: it imports nothing of imgpipe, and nothing sets
// it at run time. A release build sets the version when it links:
//
//	go build -ldflags "-X github.com/imgpipe/imgpipe/internal/version.version=v1.2.3" ./cmd/imgpipe
package version
