//go:build !remote

package main

import (
	"context"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// containers refuses every container executor: the podman bindings build
// only with the tags of docs/decisions/0006. Recipes that use podman still
// validate and plan (with provisional stage IDs); `run` exits with 2.
var containers executor.Opener = noContainers{}

type noContainers struct{}

func (noContainers) Open(context.Context, executor.ContainerSpec) (executor.Executor, error) {
	return nil, errNoPodman
}

// pingPodman reports that this build cannot talk to podman.
func pingPodman(context.Context, string, string) (uri, version string, err error) {
	return "", "", errNoPodman
}

// inspectService reports that this build cannot talk to podman.
func inspectService(context.Context, string, string, string) (serviceInfo, error) {
	return serviceInfo{}, errNoPodman
}

// sweepContainers does nothing: this build cannot talk to podman, so it
// made no container.
func sweepContainers(context.Context) ([]string, error) { return nil, nil }
