// Package podman runs a stage's process in a podman container: the podman
// executor of docs/architecture.md#executors. It talks to a podman API service through the podman
// v4 bindings (github.com/containers/podman/v4 v4.9.4; this is the only
// package that imports them), on this machine over a unix socket or on
// another one over ssh. Of the bindings it uses the connection and speaks
// the few endpoints it needs itself: bindings/containers does not compile
// in this module (decision 0006), and specgen costs every imgpipe command
// its start-up (decision 0011), so the create body is createSpec.
//
// New connects, finds the image (pulling it if the service does not have
// it) and remembers the image's ID; Identity names that ID, so a changed
// image changes the IDs of the stages that run in it. Run creates a
// container from exactly that image ID, makes the Cmd's declared Inputs and
// OutputDir available at the same paths inside (bind mounts on a local
// service, copies through the API on a remote one), streams the output,
// waits, and removes the container on every path, cancellation included.
// Only a SIGKILLed imgpipe leaves one: each container carries its owner's
// labels (executor.OwnerLabels), and SweepContainers, run by the next
// imgpipe command, removes those whose owner is gone from the local
// service (docs/reliability-processes.md).
// A Cmd's Privileged, Network and Devices add to the executor's Options for
// that container only.
//
// The Executor is an executor.Container: Derive makes (or reuses) an image
// from its own plus steps, each run in a container and committed, and
// returns an Executor over it; the chroot stage caches its build roots so
// (decision 0006).
//
// # Build tags
//
// The bindings do not build without these tags (they pull in btrfs,
// devicemapper and gpgme code that needs C headers):
//
//	-tags=remote,exclude_graphdriver_btrfs,btrfs_noversion,exclude_graphdriver_devicemapper,containers_image_openpgp
//
// The Taskfile passes them to every go command (docs/decisions/0001). Every
// file of this package but this one is constrained to `//go:build remote`, so
// a plain `go build ./...` or `go vet ./...` without the tags compiles this
// package empty instead of failing; code that uses the executor must then
// carry the same constraint. See docs/decisions/0006-podman-build.md.
//
// The tests run against a real podman service started by
// internal/podmantest:
//
//	go test -tags=<the tags above> ./engine/executor/podman/
package podman
