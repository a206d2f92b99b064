// Package podmantest starts a private podman API service for a test and
// makes container images for it offline.
//
// Start runs `podman system service` on a storage of its own (the vfs driver
// under a fresh temporary directory, so no overlay mounts are left behind and
// the machine's own containers and images are never seen or touched) with a
// containers.conf of its own (CONTAINERS_CONF; /etc is never read for it nor
// written). Everything is torn down through t.Cleanup: containers removed,
// service stopped, leftover mounts detached, directory removed.
//
// No registry is reachable in CI, so images are imported from a directory:
// Import packs a root file system with tar and runs `podman import`;
// BusyboxRootfs makes one from busybox-static; ImportBusybox does both.
//
// StartRemote starts a "remote builder" instead: a service and a real
// OpenSSH sshd on 127.0.0.1, in a mount namespace whose /tmp is its own, so
// that only the API moves files between it and the test; its URI is an
// ssh:// one, with a key and a known_hosts line made for the test, and
// KillSSHD drops its connections as a vanished host would.
//
// The harness never skips: without podman, runc or busybox-static it fails
// the test and says to run scripts/install-deps (`go tool task deps`). It
// needs root (containers with runc, bind mounts of test directories), and
// imports nothing from podman itself, so any package's tests can use it
// without the podman build tags:
//
//	func TestInContainer(t *testing.T) {
//		svc := podmantest.Start(t)
//		id := svc.ImportBusybox(t, "localhost/busybox:test")
//		// svc.URI is "unix:///…/podman.sock": give it to the code under test.
//		// svc.Containers(t) lists what is left through the API.
//	}
package podmantest
