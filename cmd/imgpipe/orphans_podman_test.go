//go:build remote

package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// SIGKILL of imgpipe during a podman stage leaves its container running
// (the service, not imgpipe, runs it); the next imgpipe command removes it
// and says so, and leaves alone the container of an imgpipe that is alive
// (this test process, by its owner labels).
func TestSIGKILLLeavesNoContainerBehind(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	svc.ImportBusybox(t, "localhost/busybox:sweep")
	o := newOrphanTest(t)
	// CONTAINER_HOST for the commands only, not t.Setenv: the test runs in
	// parallel.
	o.env = append(o.env, "CONTAINER_HOST="+svc.URI)

	live := []string{"create", "--name", "live-owner", "--label", "io.imgpipe.executor=podman"}
	for k, v := range executor.OwnerLabels() {
		live = append(live, "--label", k+"="+v)
	}
	svc.Podman(t, append(live, "localhost/busybox:sweep", "sleep", "3600")...)

	var left string // the killed run's container
	o.killedRun(t, `
build {
  name    = "killed"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "block" {
  executor = "podman"
  image    = "localhost/busybox:sweep"
  command  = ["sleep", "3600"]
  outputs  = ["out"]
}
`, time.Minute, false, func() []process {
		for _, c := range svc.Containers(t) {
			if c.State == "running" && !slices.Contains(c.Names, "live-owner") {
				left = c.Names[0]
				return []process{}
			}
		}
		return nil
	})

	names := func() []string {
		var ns []string
		for _, c := range svc.Containers(t) {
			ns = append(ns, c.Names...)
		}
		return ns
	}
	if !slices.Contains(names(), left) {
		t.Fatalf("the killed run's container %s is gone before the next command: %v", left, names())
	}
	o.out.Reset()
	if err := o.command("gc", "--store", filepath.Join(o.dir, "store")).Run(); err != nil {
		t.Fatalf("imgpipe gc: %v\n%s", err, o.out.String())
	}
	got := names()
	if slices.Contains(got, left) {
		t.Errorf("the killed run's container %s outlived the next command: %v\n%s", left, got, o.out.String())
	}
	if want := "imgpipe: removed container " + left + " left by a killed imgpipe (pid "; !strings.Contains(o.out.String(), want) {
		t.Errorf("gc said\n%s\nwant a line with %q", o.out.String(), want)
	}
	if !slices.Contains(got, "live-owner") {
		t.Errorf("the container of a live imgpipe was removed: %v\n%s", got, o.out.String())
	}
}
