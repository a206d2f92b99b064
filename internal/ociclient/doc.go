// Package ociclient opens a repository of an OCI registry with oras-go, the
// one way imgpipe reaches registries: upload's pushes (stages/upload) and
// the team cache (engine/cache/oci). It speaks plain HTTP to a loopback
// registry only, takes credentials from Docker's and Podman's files (as
// `docker login` and `podman login` write them), and bounds every request
// with internal/download's idle timeout.
//
// It is not a registry client of its own: what is pushed and pulled, and
// how it is checked, is its callers'.
package ociclient
