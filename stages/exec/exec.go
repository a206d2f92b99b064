package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
)

// Kind is the exec stage kind.
var Kind = kind.Define(kind.Kind{
	Name:    "exec",
	Summary: "Run a command; keep the files it writes into $IMGPIPE_OUT.",
	Doc: `Runs command (an argv list, not shell-expanded) in the recipe's directory,
with an environment of only PATH, HOME and TMPDIR (both the run's scratch
directory, removed when the run ends), IMGPIPE_OUT
(the directory to write outputs into) and env. Each name in outputs must be a
file or directory the command creates in $IMGPIPE_OUT; it becomes the output
stage.<name>.<output> (or stage.<name>["file.ext"] for names with dots).

An exec stage runs once for all architectures unless its resolved
configuration differs between them: refer to arch (env = { ARCH = arch })
to get one run per architecture.`,
	Version: 1,
	Attrs: []kind.Attr{
		{Name: "command", Type: cty.List(cty.String), Required: true, Doc: "The argv to run; the first item is looked up in PATH."},
		{Name: "env", Type: cty.Map(cty.String), Doc: "Extra environment variables."},
		{Name: "outputs", Type: cty.List(cty.String), Doc: "Names of the files or directories the command writes into $IMGPIPE_OUT."},
		{Name: "inputs", Type: cty.List(cty.String), LocalPaths: true, Doc: "Local files and directories the command reads, relative to the recipe. Their content is part of the stage ID, so editing one reruns the stage."},
	},
	DynamicOutputs: func(cfg cty.Value) []string {
		return kind.StringList(cfg.GetAttr("outputs"))
	},
	Validate: validate,
}, run)

type config struct {
	Command []string          `cty:"command"`
	Env     map[string]string `cty:"env"`
	Outputs []string          `cty:"outputs"`
	Inputs  []string          `cty:"inputs"`
}

// reservedEnv are set by imgpipe and cannot be overridden.
var reservedEnv = []string{"IMGPIPE_OUT", "PATH", "HOME", "TMPDIR"}

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if cmd := c.Get("command"); cmd.IsKnown() && !cmd.IsNull() && cmd.LengthInt() == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty command",
			Detail:   `command needs at least the program to run, e.g. ["mkfs.ext4", "-d", "tree", "disk.raw"].`,
			Subject:  c.Range("command"),
		})
	}
	diags = append(diags, c.CheckOutputNames("outputs")...)
	if env := c.Get("env"); env.IsWhollyKnown() && !env.IsNull() {
		for k := range env.AsValueMap() {
			if slices.Contains(reservedEnv, k) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reserved environment variable",
					Detail:   fmt.Sprintf("imgpipe sets %s itself; choose another name.", k),
					Subject:  c.Range("env"),
				})
			}
		}
	}
	return diags
}

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	// A stage without outputs keeps no files: it writes into scratch.
	outDir := s.OutDir
	if outDir == "" {
		outDir = s.Scratch
	}
	// HOME and TMPDIR are the run's scratch directory: a private one per
	// stage would cost two metadata writes for every stage, which a graph
	// of small stages feels (bench/).
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.Scratch,
		"TMPDIR=" + s.Scratch,
		"IMGPIPE_OUT=" + outDir,
	}
	keys := make([]string, 0, len(cfg.Env))
	for k := range cfg.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+cfg.Env[k])
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
	err := s.Exec.Run(ctx, executor.Cmd{
		Argv:      cfg.Command,
		Env:       env,
		Dir:       s.RecipeDir,
		Inputs:    inputs,
		OutputDir: outDir,
		Stdout:    s.Log,
		Stderr:    s.Log,
	})
	if err != nil {
		return nil, err
	}
	out := kind.Outputs{}
	for _, name := range cfg.Outputs {
		out[name] = cty.StringVal(name)
	}
	return out, nil
}
