// Package oci keeps a team cache (docs/team-cache.md) in a repository of
// an OCI registry (distribution, Harbor, Quay, ghcr), through oras-go and
// internal/ociclient (Docker's and Podman's credentials, plain HTTP only on
// loopback).
//
// An entry is one object of a store as an OCI artifact manifest
// (artifactType application/vnd.imgpipe.cache.object.v1): its first layer
// is the object's result.json, each other layer one of its files, a blob
// whose digest is the file's sha256 (identical files are one blob). The
// manifest is tagged id-<stage ID> for the stage that made it, and for
// every other stage ID that reused it, and key-<content key>; annotations
// say the kind, stage, arch, size and creation time, for `imgpipe cache
// ls` and `prune`.
//
// A push writes every blob first and the manifest last, so a push that
// fails part way leaves blobs no tag names. A fetch reads the manifest
// (at most 4 MiB) and the record (at most 16 MiB), checks that the record
// is the one asked for and that each layer's digest is its file's sha256,
// and streams the files into the store, which checks every byte
// (store.Import). It is not a registry: it keeps nothing of its own.
package oci
