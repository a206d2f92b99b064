package chroot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// version is the kind's implementation version (Kind.Version); it is also
// part of every build root's tag.
const version = 1

// Kind is the chroot stage kind. Its attributes and outputs are the
// contract of docs/architecture.md#stage-kinds.
var Kind = kind.Define(kind.Kind{
	Name:    "chroot",
	Aliases: []string{"mock"},
	Summary: "Run commands in a container build root prepared from an image, packages and setup commands.",
	Doc: `Runs commands in a build root: the stage's image plus packages plus setup commands, prepared
once and cached as the local image localhost/imgpipe-buildroot:<hash of the image's ID, packages,
setup>, so every stage and run that asks for the same build root reuses it (the stage log says
"build root <tag>: reused" or "prepared"). packages are installed with the image's package
manager (dnf, yum, microdnf, apt-get, zypper or apk); setup commands then run in order with
/bin/sh -c. Both run with the host's network. To rebuild a build root, remove its image
(podman rmi).

commands then run in order, each with /bin/sh -c, in one container of the build root, with
network and privileged as set, inputs readable at their own paths, and IMGPIPE_OUT naming the
directory to write results into (also the working directory). With uses_release = true they also
get IMGPIPE_RELEASE, the build's release as the run settles it (docs/architecture.md#releases):
the release then decides the stage, so recipes without a release can name files after it, and a
new release reruns it. Each name in outputs must be a file
or directory the commands create in $IMGPIPE_OUT; it becomes the output stage.<name>.<output>
(or stage.<name>["file.ext"] for names with dots); dir is the whole directory.

The alias mock matches Koji's mock build roots. A chroot stage needs executor = "podman" (or a
podman executor block) and an image; host mock is not supported.`,
	Version:   version,
	PerArch:   true,
	Container: true,
	Attrs: []kind.Attr{
		{Name: "commands", Type: cty.List(cty.String), Required: true, Doc: "Shell commands run in order in the build root, each with /bin/sh -c; the first that fails fails the stage."},
		{Name: "packages", Type: cty.List(cty.String), Doc: "Packages installed into the build root with the image's package manager."},
		{Name: "setup", Type: cty.List(cty.String), Doc: "Commands run once, after the packages, while preparing the cached build root."},
		{Name: "inputs", Type: cty.List(cty.String), Doc: "Files and directories made available to the commands, at their own paths."},
		{Name: "outputs", Type: cty.List(cty.String), Doc: "Names of files or directories the commands write into $IMGPIPE_OUT; each becomes an output."},
		{Name: "network", Type: cty.String, Default: cty.StringVal("none"), OneOf: []string{"none", "host"}, Doc: "Network access while the commands run (preparing the build root always has the host's)."},
		{Name: "privileged", Type: cty.Bool, Default: cty.False, Doc: "Run the commands privileged (loop devices, mounts)."},
		{Name: "uses_release", Type: cty.Bool, Default: cty.False, Doc: "Give the commands the build's release in IMGPIPE_RELEASE, settled at run time when the recipe sets none; the release then decides the stage. Must be a literal."},
	},
	UsesReleaseIf: func(cfg cty.Value) bool {
		v := cfg.GetAttr("uses_release")
		return v.IsKnown() && !v.IsNull() && v.True()
	},
	DynamicOutputs: func(cfg cty.Value) []string {
		return kind.StringList(cfg.GetAttr("outputs"))
	},
	Outputs: []kind.Output{
		{Name: "dir", Type: cty.String, Path: true, Doc: "The output directory, holding every file the commands wrote into $IMGPIPE_OUT."},
	},
	Validate: validate,
}, run)

// outSubdir is $IMGPIPE_OUT inside the stage's output directory: the dir
// output must name a path inside it.
const outSubdir = "dir"

// BuildrootRepo is the repository of the build root images.
const BuildrootRepo = "localhost/imgpipe-buildroot"

// ErrNoContainer is Run's error on an executor that is not a container.
var ErrNoContainer = errors.New(`chroot needs executor = "podman" and an image; host mock is not supported`)

type config struct {
	Commands   []string `cty:"commands"`
	Packages   []string `cty:"packages"`
	Setup      []string `cty:"setup"`
	Inputs     []string `cty:"inputs"`
	Outputs    []string `cty:"outputs"`
	Network    string   `cty:"network"`
	Privileged bool     `cty:"privileged"`
	// UsesRelease: s.Build.Release is set (Kind.UsesReleaseIf).
	UsesRelease bool `cty:"uses_release"`
}

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if v := c.Get("commands"); v.IsKnown() && !v.IsNull() && v.LengthInt() == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No commands",
			Detail:   `commands needs at least one shell command, e.g. ["make -C /src install DESTDIR=$IMGPIPE_OUT"].`,
			Subject:  c.Range("commands"),
		})
	}
	diags = append(diags, c.CheckOutputNames("outputs", "dir")...)
	if v := c.Get("uses_release"); !v.IsKnown() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "uses_release must be known before the run",
			Detail:   "uses_release decides whether the release enters the stage's ID, so it cannot depend on another stage's output: write true or false.",
			Subject:  c.Range("uses_release"),
		})
	}
	return diags
}

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	base, ok := s.Exec.(executor.Container)
	if !ok {
		return nil, ErrNoContainer
	}
	if s.OutDir == "" {
		return nil, errors.New("chroot: the stage has no output directory")
	}
	if msg := archMismatch(s.Arch, base.ImageArch()); msg != "" {
		s.Warnf("%s", msg)
	}
	root, err := buildroot(ctx, s, base, cfg)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(s.OutDir, outSubdir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	// The objects the configuration references come first: a container
	// executor mounts or copies exactly the Cmd's inputs.
	inputs := slices.Clone(s.Inputs)
	for _, in := range cfg.Inputs {
		if !filepath.IsAbs(in) {
			in = filepath.Join(s.RecipeDir, in)
		}
		inputs = append(inputs, in)
	}
	env := []string{"IMGPIPE_OUT=" + out}
	if cfg.UsesRelease {
		if s.Build.Release == "" {
			return nil, errors.New("chroot: uses_release is set but the build has no release; the engine settles it before the stage runs")
		}
		env = append(env, "IMGPIPE_RELEASE="+s.Build.Release)
	}
	tail := newTail()
	w := io.MultiWriter(s.Log, tail)
	err = root.Run(ctx, executor.Cmd{
		Argv:       commandsArgv(cfg.Commands),
		Env:        env,
		Inputs:     inputs,
		OutputDir:  out,
		Network:    cfg.Network,
		Privileged: cfg.Privileged,
		Stdout:     w,
		Stderr:     w,
	})
	if err != nil {
		if _, ok := errors.AsType[*executor.ExitError](err); ok && ctx.Err() == nil {
			return nil, fmt.Errorf("chroot commands failed: %w%s", err, tail.quote())
		}
		return nil, err
	}
	outputs := kind.Outputs{"dir": cty.StringVal(outSubdir)}
	var missing []string
	for _, name := range cfg.Outputs {
		if _, err := os.Lstat(filepath.Join(out, name)); err != nil {
			missing = append(missing, name)
		}
		outputs[name] = cty.StringVal(outSubdir + "/" + name)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("chroot: the commands did not write %s into $IMGPIPE_OUT (%s); it holds %s",
			strings.Join(missing, ", "), out, listDir(out))
	}
	return outputs, nil
}

// buildroot returns the executor over the stage's build root, preparing
// the build root first unless it is cached.
func buildroot(ctx context.Context, s *kind.Stage, base executor.Container, cfg config) (executor.Container, error) {
	if len(cfg.Packages) == 0 && len(cfg.Setup) == 0 {
		fmt.Fprintf(s.Log, "build root: the image itself (sha256:%s; no packages or setup)\n", base.ImageID())
		return base, nil
	}
	tag := BuildrootRepo + ":" + BuildrootKey(base.ImageID(), cfg.Packages, cfg.Setup)
	steps, tails := prepareSteps(base.ImageID(), cfg.Packages, cfg.Setup, s.Log)
	root, reused, err := base.Derive(ctx, tag, steps)
	if err != nil {
		if se, ok := errors.AsType[*executor.StepError](err); ok && ctx.Err() == nil && se.Step < len(tails) {
			return nil, fmt.Errorf("build root %s: %s failed: %w%s", tag, stepName(se.Step, cfg), se.Err, tails[se.Step].quote())
		}
		return nil, fmt.Errorf("build root %s: %w", tag, err)
	}
	state := "prepared"
	if reused {
		state = "reused"
	}
	fmt.Fprintf(s.Log, "build root %s: %s\n", tag, state)
	return root, nil
}

// stepName says what the prepareSteps step i does.
func stepName(i int, cfg config) string {
	if len(cfg.Packages) > 0 {
		if i == 0 {
			return "installing packages " + strings.Join(cfg.Packages, " ")
		}
		i--
	}
	return fmt.Sprintf("setup command %d %q", i+1, cfg.Setup[i])
}

// BuildrootKey is the tag of the build root of the image baseID with
// packages and setup: a hash of them, the kind's version and the install
// script, so that a change to any of them makes a new build root.
func BuildrootKey(baseID string, packages, setup []string) string {
	b, _ := json.Marshal(struct {
		Version  int      `json:"version"`
		Base     string   `json:"base"`
		Packages []string `json:"packages"`
		Setup    []string `json:"setup"`
		Install  string   `json:"install"`
	}{version, baseID, slices.Clip(packages), slices.Clip(setup), installScript})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// prepareSteps returns the Derive steps that prepare a build root: one
// that installs packages (if any), then one per setup command, all with
// the host's network, and for each step a tail of its output (which also
// goes to log).
func prepareSteps(baseID string, packages, setup []string, log io.Writer) ([]executor.Cmd, []*tail) {
	var steps []executor.Cmd
	if len(packages) > 0 {
		steps = append(steps, executor.Cmd{Argv: installArgv(baseID, packages)})
	}
	for _, c := range setup {
		steps = append(steps, executor.Cmd{Argv: []string{"/bin/sh", "-c", c}})
	}
	tails := make([]*tail, len(steps))
	for i := range steps {
		tails[i] = newTail()
		w := io.MultiWriter(log, tails[i])
		steps[i].Network = "host"
		steps[i].Stdout, steps[i].Stderr = w, w
	}
	return steps, tails
}

// installScript installs its arguments with the first package manager it
// finds. $0 names the image for the error when there is none.
const installScript = `if command -v dnf >/dev/null 2>&1; then
  exec dnf -y install "$@"
elif command -v yum >/dev/null 2>&1; then
  exec yum -y install "$@"
elif command -v microdnf >/dev/null 2>&1; then
  exec microdnf -y install "$@"
elif command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update && exec apt-get install -y --no-install-recommends "$@"
elif command -v zypper >/dev/null 2>&1; then
  exec zypper --non-interactive install "$@"
elif command -v apk >/dev/null 2>&1; then
  exec apk add --no-cache "$@"
else
  echo "chroot: the image $0 has none of the package managers dnf, yum, microdnf, apt-get, zypper, apk: install the packages with setup commands, or use an image that has one" >&2
  exit 127
fi`

// installArgv installs packages in the image baseID.
func installArgv(baseID string, packages []string) []string {
	return append([]string{"/bin/sh", "-c", installScript, "sha256:" + baseID}, packages...)
}

// commandsScript runs its arguments in order, each with /bin/sh -c, and
// stops at the first that fails, saying which.
const commandsScript = `n=0
for c do
  n=$((n+1))
  /bin/sh -c "$c" || { s=$?; echo "chroot: command $n exited with status $s" >&2; exit "$s"; }
done`

// commandsArgv runs commands in order in one container.
func commandsArgv(commands []string) []string {
	return append([]string{"/bin/sh", "-c", commandsScript, "imgpipe-chroot"}, commands...)
}

// listDir names the entries of dir, for an error.
func listDir(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	if len(entries) == 0 {
		return "nothing"
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, ", ")
}

// archMismatch says why an image built for imageArch (GOARCH) is the wrong
// build root for a stage that builds arch, or "" when it is not. It is a
// warning, not an error: with qemu-user binfmt handlers a foreign image
// runs, and some tools cross-build. Without them the tools make content
// for the image's arch under the stage's arch's name.
func archMismatch(arch, imageArch string) string {
	want, _ := kojifacts.OCIArch(arch)
	if imageArch == "" || arch == kind.NoArch || imageArch == want {
		return ""
	}
	return fmt.Sprintf("the build root image is built for %s, but this stage builds %s; unless its tools "+
		"cross-build, the result is %s content. Route %s to a native builder (an executor block with "+
		"arches = [%q]) or use a %s image.", imageArch, arch, imageArch, arch, arch, want)
}
