//go:build remote

package podman

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// Network modes for Options.Network.
const (
	// NetworkNone gives the container no network but loopback. The default.
	NetworkNone = "none"
	// NetworkHost shares the host's network with the container.
	NetworkHost = "host"
)

// Options configure an Executor.
type Options struct {
	// Connection is the podman service's URI:
	// "unix:///run/podman/podman.sock", or
	// "ssh://user@host[:port]/run/podman/podman.sock" for a service on
	// another machine. Empty means $CONTAINER_HOST, or else the default
	// socket: /run/podman/podman.sock for root,
	// $XDG_RUNTIME_DIR/podman/podman.sock for others.
	Connection string
	// IdentityFile is the SSH private key for an ssh:// Connection. Empty
	// means $CONTAINER_SSHKEY, or else the keys of a running ssh-agent.
	// As with podman-remote, a host key not in ~/.ssh/known_hosts is added
	// there, and one that differs from the one there is refused.
	IdentityFile string

	// Image is the image to run, by name ("localhost/builder:1",
	// "quay.io/org/builder:1") or ID. New pulls it if the service does not
	// have it.
	Image string
	// Privileged runs the container with all capabilities and all of the
	// host's devices, as `podman run --privileged`.
	Privileged bool
	// Devices are host devices to add to the container, as with
	// `podman run --device`: "/dev/kvm", "/dev/loop-control",
	// "/dev/loop0:/dev/loop0:rwm".
	Devices []string
	// Network is NetworkNone (also when empty) or NetworkHost.
	Network string
}

// Executor runs each process in a new container of one image. Create it
// with New; it is safe for concurrent use.
//
// The container's environment is the image's, podman's defaults (PATH if the
// image sets none, TERM, container, HOSTNAME, HOME) and then Cmd.Env, which
// overrides them. It runs as the image's user. An exit status reaches the
// caller as an *executor.ExitError whose Code is the container's exit status
// (128+n for a process killed by signal n: podman does not tell them apart,
// so Signal is always empty).
//
// The Cmd's paths are seen at the same absolute paths in the container
// (relative ones are made absolute first). On a local (unix://) service
// Inputs are bind-mounted read-only and OutputDir read-write; nothing else
// of the host is visible. On a remote (ssh://) service they are copied into
// the container before it starts, and OutputDir is copied back after the
// process exits, whatever its status. The working directory is Cmd.Dir, or
// else OutputDir. Cmd.Stdin, if not nil, is the container's standard input,
// passed through as it is (podman's detach keys are off).
//
// A container is removed when Run returns, also when ctx is done; only if
// imgpipe itself is killed, or the connection to a remote service breaks,
// is one left, labelled io.imgpipe.executor and with its owner's labels
// (executor.OwnerLabels): SweepContainers, which the next imgpipe command
// runs, removes those of a killed imgpipe from the local service.
//
// A remote service's connection that cannot be made (New) or breaks (Run)
// is an *executor.ConnectionError naming the URI; the ssh connection is
// not made again, so a broken Executor stays broken. On a remote service
// OutputDir is written only by the copy back after the process exits: a
// connection lost before then leaves it as it was, one lost during the
// copy may leave part of the output in it, and Run fails either way. The
// engine runs every stage in a pending object directory that it deletes
// when the stage fails (engine/store: Pending.Abort), so nothing partial
// reaches the store.
type Executor struct {
	opts    Options
	link    *link  // the connection, shared with the Executors Derive makes
	remote  bool   // the service is on another machine: copy, do not mount
	imageID string // the image's ID, 64 hex digits
	arch    string // the image's architecture (GOARCH), if it names one
}

var _ executor.Executor = (*Executor)(nil)

// New connects to the podman service, looks the image up, pulling it if the
// service does not have it, and returns an Executor that runs that image as
// it is now: the image's ID is fixed here, so re-tagging or re-importing
// the name later does not change what this Executor runs.
func New(ctx context.Context, opts Options) (*Executor, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	uri := connectionURI(opts.Connection)
	remote, err := isRemote(uri)
	if err != nil {
		return nil, err
	}
	svc, err := dial(ctx, uri, opts.IdentityFile)
	if err != nil {
		return nil, fmt.Errorf("podman: %w", &executor.ConnectionError{URI: redactURI(uri), Err: err})
	}
	e := &Executor{opts: opts, link: &link{uri: uri, identityFile: opts.IdentityFile, svc: svc}, remote: remote}
	e.opts.Devices = slices.Clone(opts.Devices)
	if e.imageID, err = resolveImage(ctx, svc, opts.Image); err != nil {
		return nil, err
	}
	img, err := svc.image(ctx, e.imageID)
	if err != nil {
		return nil, fmt.Errorf("podman: inspect image %q: %w", opts.Image, err)
	}
	e.arch = img.Architecture
	return e, nil
}

func (o Options) validate() error {
	if o.Image == "" {
		return errors.New("podman: no image given")
	}
	switch o.Network {
	case "", NetworkNone, NetworkHost:
	default:
		return fmt.Errorf("podman: network %q: want %q or %q", o.Network, NetworkNone, NetworkHost)
	}
	for _, d := range o.Devices {
		if !strings.HasPrefix(d, "/") {
			return fmt.Errorf("podman: device %q: want an absolute path such as /dev/kvm", d)
		}
	}
	return nil
}

// network is the container's network mode.
func (o Options) network() string {
	if o.Network == "" {
		return NetworkNone
	}
	return o.Network
}

// Identity implements executor.Executor: "podman", the image's ID and the
// options that change what a process in the container can do, e.g.
// "podman image=sha256:4f0c… network=none privileged devices=/dev/kvm".
// Which service runs the container and the image's name are not part of it.
func (e *Executor) Identity() string {
	var b strings.Builder
	fmt.Fprintf(&b, "podman image=sha256:%s network=%s", e.imageID, e.opts.network())
	if e.opts.Privileged {
		b.WriteString(" privileged")
	}
	if len(e.opts.Devices) > 0 {
		devs := slices.Sorted(slices.Values(e.opts.Devices))
		b.WriteString(" devices=" + strings.Join(slices.Compact(devs), ","))
	}
	return b.String()
}

// ImageID returns the ID (64 hex digits) of the image the Executor runs.
func (e *Executor) ImageID() string { return e.imageID }

// ImageArch returns the architecture (GOARCH: "amd64", "arm64") the image
// says its programs are built for, or "" if it says none. Images that
// Derive makes keep their base's.
func (e *Executor) ImageArch() string { return e.arch }

// connectionURI is the service's URI for the Connection option uri.
func connectionURI(uri string) string {
	if uri != "" {
		return uri
	}
	if v := os.Getenv("CONTAINER_HOST"); v != "" {
		return v
	}
	if os.Geteuid() == 0 {
		return "unix:///run/podman/podman.sock"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return "unix://" + filepath.Join(d, "podman", "podman.sock")
	}
	return fmt.Sprintf("unix:///run/user/%d/podman/podman.sock", os.Geteuid())
}

// isRemote reports whether the service at uri runs on another machine, so
// that paths on this one cannot be bind-mounted.
func isRemote(uri string) (bool, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return false, fmt.Errorf("podman: connection %q: %w", uri, err)
	}
	switch u.Scheme {
	case "unix":
		return false, nil
	case "ssh", "tcp":
		return true, nil
	}
	return false, fmt.Errorf("podman: connection %q: want a unix:// or ssh:// URI", uri)
}

// resolveImage returns the ID of the image name, pulling it if the service
// does not have it.
func resolveImage(ctx context.Context, svc *service, name string) (string, error) {
	id, err := svc.imageID(ctx, name)
	if err != nil {
		return "", fmt.Errorf("podman: look up image %q: %w", name, err)
	}
	if id != "" {
		return id, nil
	}
	if err := svc.pull(ctx, name); err != nil {
		return "", fmt.Errorf("podman: image %q is not in the podman service's storage, and pulling it failed "+
			"(images can be made offline with `podman import`): %w", name, err)
	}
	id, err = svc.imageID(ctx, name)
	if err == nil && id == "" {
		err = errors.New("not found after the pull")
	}
	if err != nil {
		return "", fmt.Errorf("podman: look up image %q: %w", name, err)
	}
	return id, nil
}

// Ping connects to the podman service at connection (as Options.Connection
// and IdentityFile: empty means $CONTAINER_HOST or the default socket) and
// returns the URI it reached and the service's podman version. `imgpipe
// doctor` uses it; errors are as New's.
func Ping(ctx context.Context, connection, identityFile string) (uri, version string, err error) {
	full := connectionURI(connection)
	uri = redactURI(full) // no password in messages
	if _, err := isRemote(full); err != nil {
		return uri, "", err
	}
	svc, err := dial(ctx, full, identityFile)
	if err != nil {
		return uri, "", &executor.ConnectionError{URI: uri, Err: err}
	}
	var v struct{ Version string }
	if err := svc.do(ctx, http.MethodGet, "/version", nil, nil, &v); err != nil {
		return uri, "", fmt.Errorf("podman: version of %s: %w", uri, err)
	}
	return uri, v.Version, nil
}

// Service is what Inspect learns of a podman service.
type Service struct {
	// URI is the service's URI, without a password.
	URI string
	// Version is the service's podman version.
	Version string
	// ImageID is the ID (64 hex digits) of the image Inspect was asked
	// about, "" if the service does not have it (New would pull it).
	ImageID string
	// ImageArch is that image's architecture (GOARCH), if it names one.
	ImageArch string
}

// Inspect connects to the podman service at connection as Ping does and
// looks image up there without pulling it (no image: only the version).
// `imgpipe builders` uses it; errors are as New's.
func Inspect(ctx context.Context, connection, identityFile, image string) (Service, error) {
	full := connectionURI(connection)
	s := Service{URI: redactURI(full)}
	if _, err := isRemote(full); err != nil {
		return s, err
	}
	svc, err := dial(ctx, full, identityFile)
	if err != nil {
		return s, &executor.ConnectionError{URI: s.URI, Err: err}
	}
	var v struct{ Version string }
	if err := svc.do(ctx, http.MethodGet, "/version", nil, nil, &v); err != nil {
		return s, fmt.Errorf("podman: version of %s: %w", s.URI, err)
	}
	s.Version = v.Version
	if image == "" {
		return s, nil
	}
	img, err := svc.image(ctx, image)
	if err != nil {
		return s, fmt.Errorf("podman: look up image %q: %w", image, err)
	}
	s.ImageID, s.ImageArch = strings.TrimPrefix(img.ID, "sha256:"), img.Architecture
	return s, nil
}
