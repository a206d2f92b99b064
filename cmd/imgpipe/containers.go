//go:build remote

package main

import (
	"context"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/executor/podman"
)

// containers opens the podman executors of a plan: "podman" (connection
// $CONTAINER_HOST or the default socket) and executor blocks.
var containers executor.Opener = podmanContainers{}

type podmanContainers struct{}

func (podmanContainers) Open(ctx context.Context, spec executor.ContainerSpec) (executor.Executor, error) {
	e, err := podman.New(ctx, podman.Options{
		Connection:   spec.Connection,
		IdentityFile: spec.IdentityFile,
		Image:        spec.Image,
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// pingPodman connects to a podman service for `imgpipe doctor`.
func pingPodman(ctx context.Context, connection, identity string) (uri, version string, err error) {
	return podman.Ping(ctx, connection, identity)
}

// inspectService connects to a builder's podman service for `imgpipe
// builders` and looks its image up there, without pulling it.
func inspectService(ctx context.Context, connection, identity, image string) (serviceInfo, error) {
	s, err := podman.Inspect(ctx, connection, identity, image)
	return serviceInfo{URI: s.URI, Version: s.Version, ImageID: s.ImageID, ImageArch: s.ImageArch}, err
}

// sweepContainers removes the containers killed imgpipes left on the
// default podman service (podman.SweepContainers) and says what it removed.
func sweepContainers(ctx context.Context) ([]string, error) {
	removed, err := podman.SweepContainers(ctx, "")
	var said []string
	for _, r := range removed {
		said = append(said, r.String())
	}
	return said, err
}
