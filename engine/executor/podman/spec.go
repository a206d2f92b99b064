//go:build remote

package podman

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// labelKey marks the containers the executor creates.
const labelKey = "io.imgpipe.executor"

// containerName returns a new container name. Run names the container
// itself, so that it can remove a container whose creation it gave up
// waiting for.
func containerName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	return "imgpipe-" + hex.EncodeToString(b)
}

// absPaths returns cmd with Dir, OutputDir and Inputs absolute and clean:
// the container sees them at the same absolute paths.
func absPaths(cmd executor.Cmd) (executor.Cmd, error) {
	var err error
	abs := func(p string) string {
		if p == "" || err != nil {
			return p
		}
		var a string
		a, err = filepath.Abs(p)
		return a
	}
	cmd.Dir = abs(cmd.Dir)
	cmd.OutputDir = abs(cmd.OutputDir)
	inputs := make([]string, len(cmd.Inputs))
	for i, in := range cmd.Inputs {
		if in == "" {
			return cmd, fmt.Errorf("input %d is an empty path", i)
		}
		inputs[i] = abs(in)
	}
	cmd.Inputs = inputs
	return cmd, err
}

// createSpec is the body of libpod's POST /containers/create: the fields
// of podman's specgen.SpecGenerator the executor sets, under specgen's JSON
// names. The package does not import pkg/specgen: it brings in 126
// packages (containers/storage's drivers, psgo, ebpf, dbus) whose
// initialisation, reading containers.conf among it, every imgpipe command
// paid (docs/decisions/0011-getter-helper.md). spec_test.go decodes it
// with specgen to check the names.
type createSpec struct {
	Name       string             `json:"name,omitempty"`
	Image      string             `json:"image"`
	Labels     map[string]string  `json:"labels,omitempty"`
	Entrypoint []string           `json:"entrypoint,omitempty"`
	Env        map[string]string  `json:"env,omitempty"`
	WorkDir    string             `json:"work_dir,omitempty"`
	Stdin      bool               `json:"stdin,omitempty"`
	Privileged bool               `json:"privileged,omitempty"`
	Devices    []spec.LinuxDevice `json:"devices,omitempty"`
	NetNS      namespace          `json:"netns"`
	Mounts     []spec.Mount       `json:"mounts,omitempty"`
}

// namespace is specgen.Namespace; nsmode is one of specgen's
// NamespaceMode values.
type namespace struct {
	NSMode string `json:"nsmode,omitempty"`
}

// specgen's NamespaceMode values for the network namespace.
const (
	nsNone = "none"
	nsHost = "host"
)

// containerSpec describes the container named name that runs cmd (with
// absolute paths, see absPaths) in the image imageID. On a remote service
// nothing is mounted: Run copies the paths in and out.
func containerSpec(name, imageID string, opts Options, cmd executor.Cmd, remote bool) (*createSpec, error) {
	if len(cmd.Argv) == 0 {
		return nil, errEmptyArgv
	}
	env, err := envMap(cmd.Env)
	if err != nil {
		return nil, err
	}
	s := &createSpec{Image: imageID}
	s.Name = name
	// The owner's labels let the next imgpipe remove the container if this
	// one is killed before it can (SweepContainers).
	s.Labels = executor.OwnerLabels()
	s.Labels[labelKey] = "podman"
	// The whole argv as the entrypoint: neither the image's ENTRYPOINT nor
	// its CMD is used.
	s.Entrypoint = slices.Clone(cmd.Argv)
	s.Env = env
	s.WorkDir = cmp.Or(cmd.Dir, cmd.OutputDir)
	s.Stdin = cmd.Stdin != nil
	s.Privileged = opts.Privileged
	for _, d := range opts.Devices {
		s.Devices = append(s.Devices, spec.LinuxDevice{Path: d})
	}
	s.NetNS = namespace{NSMode: nsNone}
	if opts.network() == NetworkHost {
		s.NetNS = namespace{NSMode: nsHost}
	}
	if !remote {
		s.Mounts = bindMounts(cmd.Inputs, cmd.OutputDir)
	}
	return s, nil
}

// forCmd returns the options for a container that runs cmd: the
// executor's, with cmd's container settings added (executor.Cmd's
// Privileged, Network and Devices). cmd's Network, if set, wins.
func (o Options) forCmd(cmd executor.Cmd) (Options, error) {
	o.Privileged = o.Privileged || cmd.Privileged
	if cmd.Network != "" {
		o.Network = cmd.Network
	}
	o.Devices = slices.Concat(o.Devices, cmd.Devices)
	slices.Sort(o.Devices)
	o.Devices = slices.Compact(o.Devices)
	return o, o.validate()
}

// envMap turns KEY=value entries into a map; a later entry for a key wins,
// as it would with os/exec.
func envMap(env []string) (map[string]string, error) {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("environment entry %q is not KEY=value", kv)
		}
		m[k] = v
	}
	return m, nil
}

// bindMounts mounts outputDir read-write and each input read-only, each at
// its own path. An input inside outputDir or inside another input is seen
// through that one's mount and gets none of its own. Parents come before
// their children, so an input that holds outputDir does not hide it.
func bindMounts(inputs []string, outputDir string) []spec.Mount {
	var ms []spec.Mount
	for _, p := range sharedPaths(inputs, outputDir) {
		opt := "ro"
		if p == outputDir {
			opt = "rw"
		}
		ms = append(ms, spec.Mount{Type: "bind", Source: p, Destination: p, Options: []string{"rbind", opt}})
	}
	return ms
}

// sharedPaths returns the paths the container needs to see, inputs and
// outputDir (if not empty), without those inside another of them except
// outputDir, parents first.
func sharedPaths(inputs []string, outputDir string) []string {
	paths := slices.Clone(inputs)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	var keep []string
	for _, p := range paths {
		covered := slices.ContainsFunc(keep, func(k string) bool { return within(p, k) }) ||
			outputDir != "" && within(p, outputDir)
		if !covered {
			keep = append(keep, p)
		}
	}
	if outputDir != "" {
		keep = append(keep, outputDir)
	}
	slices.SortFunc(keep, func(a, b string) int {
		return cmp.Or(cmp.Compare(depth(a), depth(b)), strings.Compare(a, b))
	})
	return keep
}

// within reports whether path p is dir or inside it; both are clean.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

func depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}
