package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

func main() {
	// imgpipe is a short-lived process that plans a graph and mostly waits
	// for children: trading memory for fewer collections pays (bench/).
	debug.SetGCPercent(400)
	os.Exit(Main())
}

// Main runs imgpipe with os.Args and returns the exit code.
func Main() int {
	return run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
}

// Exit codes (docs/architecture.md#exit-codes).
const (
	exitOK          = 0
	exitFailed      = 1
	exitInvalid     = 2
	exitInterrupted = 130
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"run", "Build a recipe", cmdRun},
		{"validate", "Check a recipe without running anything", cmdValidate},
		{"plan", "Show the stage graph a run would execute", cmdPlan},
		{"graph", "Print the stage graph as Graphviz dot or Mermaid", cmdGraph},
		{"upgrade", "Print a Koji image-build INI as an HCL recipe", cmdUpgrade},
		{"export-koji", "Print a preset recipe as Koji's INI or koji spin-* command", cmdExportKoji},
		{"koji", "Read a Koji hub: diff a local build against Koji's", cmdKoji},
		{"fmt", "Rewrite recipes in canonical HCL style", cmdFmt},
		{"ks", "Kickstart tools: fetch, flatten, lint", cmdKs},
		{"boot", "Boot a disk image or a published build with its serial console on this terminal", cmdBoot},
		{"console", "Attach this terminal to a VM a failed run kept (--on-error=abort)", cmdConsole},
		{"builds", "List, show and delete published builds", cmdBuilds},
		{"gc", "Remove store objects no recent run used", cmdGC},
		{"cache", "List and prune a team cache in an OCI registry", cmdCache},
		{"verify", "Check every object and build of a store against its digests", cmdVerify},
		{"report", "Show a past run: its log, report.json or an HTML page", cmdReport},
		{"serve", "Serve the store's runs and builds as web pages, read-only", cmdServe},
		{"doctor", "Check this machine (and a recipe's builders and team cache) for what stages need", cmdDoctor},
		{"builders", "Show the state of a recipe's builders (executor blocks)", cmdBuilders},
		{"version", "Print imgpipe's version", cmdVersion},
		{"completion", "Print a shell completion script (bash, zsh, fish)", cmdCompletion},
	}
}

// app is what every command shares: output streams and diagnostic printing.
type app struct {
	stdout, stderr io.Writer
	// files holds parsed sources, for diagnostic snippets.
	files map[string]*hcl.File
	// remap points diagnostics about HCL generated from a Koji INI back at
	// the INI; nil otherwise.
	remap func(hcl.Diagnostics) hcl.Diagnostics
	// secrets are the prepared plan's, masked in diagnostics; nil before
	// (URL credentials are masked anyway).
	secrets *secret.Set
	// maskQuotes masks the written diagnostics of a command that quotes a
	// kickstart (ks.go's quoteKickstart); nil otherwise.
	maskQuotes func(string) string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, files: map[string]*hcl.File{}}
	if len(args) == 0 {
		// A usage error: the usage goes to stderr, like every other one.
		a.usage(stderr)
		return exitInvalid
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(stdout)
		return exitOK
	}
	name := args[0]
	cmds := commands()
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == name })
	if i < 0 {
		var names []string
		for _, c := range cmds {
			names = append(names, c.name)
		}
		fmt.Fprintf(stderr, "imgpipe: unknown command %q.%s Run 'imgpipe help' for the list.\n", name, suggest.DidYouMean(name, names))
		return exitInvalid
	}
	err := cmds[i].run(ctx, a, args[1:])
	return a.exit(err)
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: imgpipe <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'imgpipe <command> -h' for a command's flags.")
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// silentError carries an exit code for a failure already reported.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errNoPodman is the error of every container executor in a build without
// the podman executor (containers_other.go).
var errNoPodman = errors.New("this imgpipe was built without the podman executor; build it with `go tool task build`")

// exitCode maps an error to the process's exit code. It is the only place
// that decides exit codes.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	if se, ok := errors.AsType[*silentError](err); ok {
		return se.code
	}
	if _, ok := errors.AsType[hcl.Diagnostics](err); ok {
		return exitInvalid
	}
	if _, ok := errors.AsType[*usageError](err); ok {
		return exitInvalid
	}
	if errors.Is(err, engine.ErrInterrupted) {
		return exitInterrupted
	}
	if _, ok := errors.AsType[*store.ReleaseError](err); ok {
		return exitInvalid
	}
	if _, ok := errors.AsType[*kojihub.Error](err); ok {
		// A Koji hub that cannot be reached, fails or answers nonsense,
		// an unknown task or build: nothing could be compared or made.
		return exitInvalid
	}
	if errors.Is(err, errNoPodman) {
		// The recipe is fine; this binary cannot run it.
		return exitInvalid
	}
	if _, ok := errors.AsType[*executor.OpenError](err); ok {
		// A container service that cannot be reached, an image it lacks:
		// the build could not run.
		return exitFailed
	}
	return exitFailed
}

// exit reports err to the user and returns its exit code.
func (a *app) exit(err error) int {
	code := exitCode(err)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return code
	}
	if _, ok := errors.AsType[*silentError](err); ok {
		return code
	}
	if diags, ok := errors.AsType[hcl.Diagnostics](err); ok {
		a.printDiags(diags)
		return code
	}
	fmt.Fprintf(a.stderr, "imgpipe: %s\n", a.secrets.Mask(err.Error()))
	return code
}

// printDiags writes diagnostics with source snippets (diags.go).
func (a *app) printDiags(diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	if a.remap != nil {
		diags = a.remap(diags)
	}
	if a.maskQuotes != nil {
		var buf bytes.Buffer
		writeDiags(&buf, a.files, diags)
		io.WriteString(a.stderr, a.maskQuotes(buf.String()))
	} else {
		// Diagnostics quote the recipe: its secrets are masked there too.
		writeDiags(a.stderr, maskFiles(a.secrets, a.files), maskDiags(a.secrets, diags))
	}
	errs := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		}
	}
	if errs > 1 {
		fmt.Fprintf(a.stderr, "%d errors.\n", errs)
	}
}

// maskDiags returns diagnostics with the secrets in their text masked: the
// plan's, once there is a plan, and URL credentials always.
func maskDiags(set *secret.Set, diags hcl.Diagnostics) hcl.Diagnostics {
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		m := *d
		m.Summary, m.Detail = set.Mask(d.Summary), set.Mask(d.Detail)
		out[i] = &m
	}
	return out
}

// maskFiles returns the files diagnostics quote, with their secrets
// masked (a masked line's columns may shift).
func maskFiles(set *secret.Set, files map[string]*hcl.File) map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(files))
	for name, f := range files {
		if f == nil {
			out[name] = f
			continue
		}
		if masked := set.Mask(string(f.Bytes)); masked != string(f.Bytes) {
			m := *f
			m.Bytes = []byte(masked)
			f = &m
		}
		out[name] = f
	}
	return out
}

// sweepOrphans ends what an imgpipe that was killed left running (the
// processes of its stages: engine/executor.SweepOrphans; the containers it
// made on the default podman service: podman.SweepContainers), saying so; a
// leftover it cannot end is a warning, not a reason not to go on. Commands
// that run stages or touch what they made call it first.
func (a *app) sweepOrphans(ctx context.Context) {
	left, err := executor.SweepOrphans(ctx)
	for _, l := range left {
		fmt.Fprintf(a.stderr, "imgpipe: %s\n", l)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "imgpipe: warning: %s\n", err)
	}
	removed, err := sweepContainers(ctx)
	for _, r := range removed {
		fmt.Fprintf(a.stderr, "imgpipe: %s\n", r)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "imgpipe: warning: %s\n", err)
	}
}
