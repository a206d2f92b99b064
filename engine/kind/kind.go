package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// Kind describes one kind of stage: its attributes, its outputs and how it
// runs. Stage packages declare one Kind each, with Define, which checks the
// attributes against the kind's configuration struct; the engine is given
// the list.
type Kind struct {
	Name    string
	Aliases []string
	// Summary is one line for listings; Doc is the reference text.
	Summary string
	Doc     string
	// Version is the implementation version. Bump it whenever the same
	// configuration would now produce different output: it is part of every
	// stage ID of this kind.
	Version int

	Attrs   []Attr
	Outputs []Output
	// DynamicOutputs returns further outputs named by the configuration
	// (exec's `outputs`). They are files, like Output with Path set. At
	// plan time cfg may be partly unknown (it refers to outputs of other
	// stages): use only the attributes it needs, and only when
	// IsWhollyKnown.
	DynamicOutputs func(cfg cty.Value) []string

	// PerArch puts the architecture into the stage ID, so each architecture
	// gets its own instance even when the configuration is the same. Kinds
	// without it run once for every architecture whose resolved
	// configuration and inputs are identical.
	PerArch bool

	// UsesRelease marks kinds whose output depends on the build's release
	// (file names, the build directory): convert and upload. The release
	// enters their stage IDs and Stage.Build.Release is set for them; other
	// kinds never see it, so a new release reuses everything before them.
	UsesRelease bool
	// UsesReleaseIf makes one stage of the kind use the release when its
	// configuration asks for it (a chroot stage with uses_release = true):
	// as with UsesRelease, the release then enters its stage ID and
	// Stage.Build.Release is set. The planner calls it with the resolved
	// configuration; the attribute it reads must be known then.
	UsesReleaseIf func(cfg cty.Value) bool

	// Local kinds always run on this machine, even for an arch that an
	// executor block routes to a remote service (docs/architecture.md#executors): they fetch
	// sources, rewrite kickstarts, publish into the local store.
	Local bool

	// Container kinds run only in a container (chroot). A stage of such a
	// kind that names no executor runs on the executor block its arch is
	// routed to, else on "podman" (the default service); naming "host" is
	// an error.
	Container bool

	// Uncached kinds run even when their object exists: upload must check
	// its destination every time.
	Uncached bool

	// Validate checks a configuration beyond attribute types and OneOf. It
	// runs during planning, for every architecture.
	Validate func(cfg *Config) hcl.Diagnostics

	// Resolve pins a source stage's source before anything runs: a branch
	// to its full commit, a local tree to its content digest, a URL to its
	// checksum. The result is part of the stage ID, so a moved branch or an
	// edited file reruns the stage. It may reach the network (git
	// ls-remote), never downloads content, and reports unpinned sources as
	// warnings. validate does not call it.
	Resolve func(ctx context.Context, cfg *Config, recipeDir string) (string, hcl.Diagnostics)

	// Run does the work; every kind has one. Define sets it: it decodes the
	// stage's configuration into the kind's configuration struct and calls
	// the kind's run function with it.
	Run func(ctx context.Context, s *Stage) (Outputs, error)

	// config is the configuration struct Define was given.
	config reflect.Type
}

// ConfigType is the Go struct a kind's configuration decodes into, as
// given to Define; nil for a kind made without Define.
func (k *Kind) ConfigType() reflect.Type { return k.config }

// Attr is one attribute of a kind's block.
type Attr struct {
	Name     string
	Type     cty.Type
	Required bool
	Doc      string
	// Default is the documented value used when the attribute is absent;
	// cty.NilVal means null.
	Default cty.Value
	// OneOf lists the allowed values of a string attribute.
	OneOf []string
	// LocalPaths marks a string or list of strings naming local files or
	// directories (relative to the recipe). Their content is hashed into the
	// stage ID, so editing one reruns the stage.
	LocalPaths bool
	// NotInID leaves the attribute out of the stage ID: it changes how a
	// stage runs, never what it makes (the accelerator of a VM, say).
	NotInID bool
	// Record marks what a build records about how it was made (the
	// kickstart's text, logs, where the kickstart came from), not what it
	// is made of: it is left out of the release key, so that a build whose
	// images are the same keeps its release
	// (docs/decisions/0012-releases-follow-content.md).
	Record bool
}

// Output is one named result of a stage, referenced as stage.<name>.<output>.
type Output struct {
	Name string
	// Type is cty.String for a file, cty.Map(cty.String) for a set of files,
	// or any type for plain values (a revision, say).
	Type cty.Type
	// Path marks outputs that are files (or maps of files) in the stage's
	// output directory. Stages return them relative to that directory;
	// references see absolute paths in the store.
	Path bool
	Doc  string
}

// Outputs are the values a stage returns, keyed by output name. Path outputs
// are relative to Stage.OutDir.
type Outputs map[string]cty.Value

// Config is a stage's evaluated configuration, for Validate.
type Config struct {
	// Value is an object with every attribute of the kind; absent ones are
	// null, unless the Attr has a Default.
	Value cty.Value
	// Arch is the architecture being planned.
	Arch string
	// CanFail reports that the build lets Arch fail (build.can_fail): what
	// can only fail this arch, Validate may warn of instead of refusing
	// the plan, as Koji builds the other arches.
	CanFail bool
	// Block is the range of the stage block's header.
	Block  hcl.Range
	ranges map[string]hcl.Range
	// reads, when not nil, records every attribute name Get, Has and
	// Range are asked for: Define checks that Validate reads only
	// attributes the kind declares.
	reads map[string]bool
}

// read records that Validate asked for attr.
func (c *Config) read(attr string) {
	if c.reads != nil {
		c.reads[attr] = true
	}
}

// NewConfig returns the configuration of a block: its value (an object
// with every attribute), the arch it is evaluated for (empty where arch is
// unknown), the range of its header and the range of each attribute set in
// the source.
func NewConfig(value cty.Value, arch string, block hcl.Range, ranges map[string]hcl.Range) *Config {
	return &Config{Value: value, Arch: arch, Block: block, ranges: ranges}
}

// Range returns the range of an attribute's expression, or of the block
// header when the attribute is absent.
func (c *Config) Range(attr string) *hcl.Range {
	c.read(attr)
	if r, ok := c.ranges[attr]; ok {
		return &r
	}
	return c.Block.Ptr()
}

// Has reports whether the attribute is set in the source.
func (c *Config) Has(attr string) bool {
	c.read(attr)
	_, ok := c.ranges[attr]
	return ok
}

// Get returns one attribute's value.
// An attribute the kind does not have is null (and fails Define's check).
func (c *Config) Get(attr string) cty.Value {
	c.read(attr)
	if !c.Value.Type().IsObjectType() || !c.Value.Type().HasAttribute(attr) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return c.Value.GetAttr(attr)
}

// Build is a build as stages see it: the evaluated build block.
type Build struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Release string   `json:"release,omitempty"` // empty: derived at publish time
	Arches  []string `json:"arches"`
	CanFail []string `json:"can_fail,omitempty"`
	Scratch bool     `json:"scratch,omitempty"`
}

// Required reports whether a failure of arch fails the build.
func (b *Build) Required(arch string) bool {
	return !slices.Contains(b.CanFail, arch)
}

// Stage is what a Kind's Run gets: one stage instance, fully resolved.
type Stage struct {
	Name string
	Kind string
	// Arch is the architecture, or NoArch for an instance shared by all.
	Arch string
	ID   string
	// Config holds every attribute, known and resolved: references are
	// absolute paths in the store.
	Config cty.Value
	// RecipeDir is the directory the recipe's relative paths resolve against.
	RecipeDir string
	// OutDir is where the stage writes its outputs; it becomes the object.
	// It is empty for a stage that declares no outputs.
	OutDir string
	// ObjectDir is where OutDir will be once the stage succeeds, for files
	// that must name their own final path (a libvirt domain's disk).
	ObjectDir string
	// RunID names the run; RunDir is runs/<run>/<arch>/<stage>/, where a
	// stage keeps what explains a failure (console logs, screenshots). The
	// stage creates RunDir if it writes there.
	RunID, RunDir string
	// Store is the store, for kinds that publish into it (upload).
	Store *store.Store
	// Scratch is a directory for temporary files, shared by the run's
	// stages and removed when the run ends. A stage that needs a private
	// directory makes one inside it (os.MkdirTemp) and removes it.
	Scratch string
	// Resolved is what Kind.Resolve returned for this stage, or "".
	Resolved string
	// Build is the build the stage belongs to. Build.Release is set only
	// for stages that use the release (UsesRelease, UsesReleaseIf), and so is ReleaseKey (Plan.ReleaseKey),
	// which upload records so a rerun of the same stages finds the build.
	Build      Build
	ReleaseKey string
	// Timeout is the stage's timeout meta-argument, zero when unset. The
	// engine enforces it; kinds with a phase timeout of their own (a boot)
	// may read it.
	Timeout time.Duration
	// Inputs are the object directories of the stages this one references:
	// every upstream output path it can see lies in one of them. A kind that
	// runs a process lists them in its Cmd's Inputs, so that a container
	// executor mounts them, or copies them to a remote builder.
	Inputs []string
	Exec   executor.Executor
	// Log receives the stage's output, line by line, into its log file and
	// the event stream. It is the stage's one log: warnings go there too
	// (Warnf).
	Log io.Writer
	// OnError says what a stage that runs a machine does with it when the
	// stage fails: OnErrorCleanup (stop it), OnErrorAbort (keep it running
	// for a person to debug until they end it; the run waits) or
	// OnErrorAsk (keep it and ask Ask what to do).
	OnError string
	// Ask is the person's choice for a failed stage's kept machine, with
	// OnErrorAsk. A stage whose Ask says DecideRetry returns an error
	// wrapping ErrRetry, and the engine runs it again.
	Ask func(ctx context.Context, k KeptMachine) Decision
	// Secrets are the run's secrets (docs/reliability-secrets.md): the
	// engine masks them in the log, events and reports. A stage adds the
	// secrets it finds (flatten, a kickstart's passwords) and masks with
	// it the files it publishes (upload). Nil in tests that do not care.
	Secrets *secret.Set
}

// What a failed stage does with its machine (Stage.OnError; `imgpipe run
// --on-error`).
const (
	OnErrorCleanup = "cleanup"
	OnErrorAbort   = "abort"
	OnErrorAsk     = "ask"
)

// KeptMachine is a failed stage's machine, kept running for a person.
type KeptMachine struct {
	Stage, Arch, Reason string
	// Console is the unix socket of its serial console (imgpipe console).
	Console string
	// Disk is the disk it runs on; Pid is qemu's.
	Disk string
	Pid  int
}

// Decision is what a person decided for a kept machine.
type Decision int

const (
	// DecideCleanup stops the machine; the stage fails.
	DecideCleanup Decision = iota
	// DecideAbort keeps the machine until the person ends it; then the
	// stage fails.
	DecideAbort
	// DecideRetry stops the machine and runs the stage again.
	DecideRetry
)

// ErrRetry, wrapped in a stage's error, asks the engine to run the stage
// again (the person chose to retry).
var ErrRetry = errors.New("retry")

// Warnf writes a warning to the stage's log, as one line starting with
// "warning: ".
func (s *Stage) Warnf(format string, args ...any) {
	if s.Log == nil {
		return
	}
	fmt.Fprintf(s.Log, "warning: %s\n", fmt.Sprintf(format, args...))
}

// NoArch is the Arch of a stage instance shared by every architecture.
const NoArch = "noarch"
