// Package chroot is the chroot stage kind (docs/architecture.md#stage-kinds), alias mock: it runs
// shell commands in a container build root, as Koji runs livemedia-creator
// and appliance-creator in mock chroots.
//
// A build root is the stage's image plus packages (installed with the
// image's package manager) plus setup commands, prepared once through
// executor.Container's Derive and cached as the local image
// localhost/imgpipe-buildroot:<BuildrootKey>. The commands then run in one
// container of it, with the declared inputs and the output directory.
//
// It needs a container executor (executor/podman); it does not import one,
// so it builds without the podman tags, and refuses the host executor with
// ErrNoContainer: host mock is not supported. It does not remove build
// roots; `podman rmi` does.
package chroot
