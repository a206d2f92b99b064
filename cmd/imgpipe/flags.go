package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/suggest"
	"github.com/imgpipe/imgpipe/stages"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// forceFlag is --force (rebuild everything) or --force=GLOB, repeatable.
type forceFlag []string

func (f *forceFlag) String() string   { return strings.Join(*f, ",") }
func (f *forceFlag) IsBoolFlag() bool { return true }
func (f *forceFlag) Set(v string) error {
	if v == "true" {
		v = "*"
	}
	if v == "false" {
		*f = nil
		return nil
	}
	if _, err := filepath.Match(v, ""); err != nil {
		return fmt.Errorf("bad glob %q: %w", v, err)
	}
	*f = append(*f, v)
	return nil
}

// newFlags returns a flag set whose errors come back to the caller.
func (a *app) newFlags(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			fmt.Fprintf(a.stderr, "Usage: imgpipe %s %s\n\n%s takes no flags.\n", name, args, name)
			return
		}
		fmt.Fprintf(a.stderr, "Usage: imgpipe %s [flags] %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before or after positional arguments,
// and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			// The flag package has printed the error and the usage; a
			// mistyped flag gets a suggestion after them, where it is seen.
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
				var names []string
				fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
				if best := suggest.Closest(strings.TrimPrefix(name, "-"), names); best != "" {
					fmt.Fprintf(fs.Output(), "\nDid you mean --%s?\n", best)
				}
			}
			return nil, &silentError{code: exitInvalid}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// recipeFlags are the flags of every command that reads a recipe.
type recipeFlags struct {
	vars, varFiles stringList
	// settings are what a command's own flags set (run --debug-install).
	settings []engine.Setting
}

func (rf *recipeFlags) register(fs *flag.FlagSet) {
	fs.Var(&rf.vars, "var", "set a variable: -var name=value (repeatable)")
	fs.Var(&rf.varFiles, "var-file", "read variables from an HCL file (repeatable)")
}

// oneRecipe checks that exactly one recipe path was given.
func oneRecipe(cmd string, args []string) (string, error) {
	switch len(args) {
	case 1:
		return args[0], nil
	case 0:
		return "", usagef("%s needs a recipe: imgpipe %s [flags] RECIPE.hcl", cmd, cmd)
	default:
		return "", usagef("%s takes one recipe, got %d: %s", cmd, len(args), strings.Join(args, " "))
	}
}

// prepareMode is what a command prepares a recipe for.
type prepareMode int

const (
	// forCheck looks at nothing outside the recipe (validate, export-koji,
	// doctor): the plan cannot run.
	forCheck prepareMode = iota
	// forShow resolves sources and opens executors where it can, and shows
	// a source it cannot resolve as unresolved, with a warning (plan,
	// graph): the plan cannot run then.
	forShow
	// forRun resolves every source and opens every executor, or fails.
	forRun
)

// prepare parses and prepares a recipe (engine.Planner.Prepare) for mode,
// and prints its warnings.
func (a *app) prepare(ctx context.Context, path string, rf recipeFlags, mode prepareMode) (*engine.Plan, *engine.Executors, error) {
	plan, execs, warnings, err := a.prepareQuiet(ctx, path, rf, mode)
	if err != nil {
		return nil, nil, err
	}
	a.printDiags(warnings)
	return plan, execs, nil
}

// prepareQuiet parses and prepares a recipe: an HCL file, or a Koji INI
// (see isINI). It returns the warnings; errors come back as
// hcl.Diagnostics.
func (a *app) prepareQuiet(ctx context.Context, path string, rf recipeFlags, mode prepareMode) (*engine.Plan, *engine.Executors, hcl.Diagnostics, error) {
	planner := stages.Planner()
	var (
		r     *recipe.Recipe
		diags hcl.Diagnostics
		ini   *legacyini.Result
	)
	if err := checkRecipeInput(path); err != nil {
		return nil, nil, nil, err
	}
	if isINI(path) {
		// A Koji INI: converted to an image_build block, whose diagnostics
		// all point back into the INI.
		ini, diags = legacyini.Load(path)
		a.remap = ini.Map
		for name, f := range ini.Files {
			a.files[name] = f
		}
		if !diags.HasErrors() {
			var d hcl.Diagnostics
			r, d = ini.Recipe(recipe.WithPresets(planner.PresetTypes()...))
			diags = append(diags, d...)
		}
	} else {
		r, diags = recipe.LoadFile(path, recipe.WithPresets(planner.PresetTypes()...))
		if diags.HasErrors() && (r == nil || (r.Build == nil && len(r.Presets) == 0 && len(r.Stages) == 0)) && filepath.Ext(path) != ".hcl" {
			// Not HCL at all, and not named as if it were (/etc/passwd, a
			// README): HCL's syntax errors would only puzzle.
			return nil, nil, nil, usagef("%s is not a recipe: a recipe is HCL (.hcl) or a Koji image-build INI (.ini, .conf), and %s is neither (%s)", path, path, diags[0].Summary)
		}
	}
	if r != nil {
		for name, f := range r.Files {
			a.files[name] = f
		}
	}
	// A recipe whose syntax is sound is planned even when its blocks have
	// mistakes, so that every independent mistake is reported in one pass
	// (the planner leaves out what a mistake makes unreliable).
	decoded := r != nil && (r.Build != nil || len(r.Presets) > 0 || len(r.Stages) > 0)
	if diags.HasErrors() && (!decoded || ini != nil) {
		return nil, nil, nil, diags
	}
	plan, execs, planDiags := planner.Prepare(ctx, r, engine.PrepareOptions{
		Vars:            rf.vars,
		VarFiles:        rf.varFiles,
		Containers:      containers,
		CheckOnly:       mode == forCheck,
		AllowUnresolved: mode == forShow,
		Settings:        rf.settings,
	})
	for name, f := range r.Files {
		a.files[name] = f
	}
	if plan != nil {
		a.secrets = plan.Secrets
	}
	if ini != nil {
		planDiags = ini.Map(planDiags)
	}
	diags = append(diags, planDiags...)
	if diags.HasErrors() {
		return nil, nil, nil, diags
	}
	return plan, execs, diags, nil
}

// kickstartWords start the lines of a kickstart and no recipe's.
var kickstartWords = []string{
	"%packages", "%pre", "%post", "%include", "%ksappend", "%addon", "%anaconda",
	"autopart", "bootloader", "cdrom", "clearpart", "firewall", "graphical", "install",
	"keyboard", "lang", "network", "part", "poweroff", "reboot", "repo", "rootpw",
	"selinux", "services", "shutdown", "text", "timezone", "url", "user", "zerombr",
}

// checkRecipeInput names what path is when it is plainly not a recipe:
// a directory of recipes, a kickstart, a binary file. Anything else is
// left to the HCL and INI readers, whose diagnostics have ranges.
func checkRecipeInput(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return nil // the readers say it cannot be read
	}
	if info.IsDir() {
		hcls, _ := filepath.Glob(filepath.Join(path, "*.hcl"))
		confs, _ := filepath.Glob(filepath.Join(path, "*.conf"))
		if len(hcls) > 0 && len(confs) == 0 {
			return usagef("%s is a directory of recipes, not a Koji --config directory (*.conf): name one recipe, such as %s", path, hcls[0])
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 8<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head) && n < len(head) {
		return usagef("%s is not a text file: a recipe is HCL (.hcl) or a Koji image-build INI (.ini, .conf)", path)
	}
	if isINI(path) {
		return nil
	}
	kickstart := strings.EqualFold(filepath.Ext(path), ".ks")
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		word, _, _ := strings.Cut(line, " ")
		kickstart = kickstart || slices.Contains(kickstartWords, word) && !strings.ContainsAny(line, "={")
		break
	}
	if kickstart {
		return usagef("%s is a kickstart, not a recipe: build it from a recipe whose fetch-ks stage names it (url = %q; examples/quickstart does), or check it with imgpipe ks lint %s", path, path, path)
	}
	return nil
}

// isINI reports whether path is a Koji image-build INI: a .ini or .conf
// file, or a directory (of *.conf files, as `koji image-build --config DIR`
// reads).
func isINI(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ini", ".conf":
		return true
	}
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// storeDir picks the store: --store, then IMGPIPE_STORE, then .imgpipe
// beside the recipe (or in the working directory without one).
func storeDir(flagValue, recipeDir string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("IMGPIPE_STORE"); env != "" {
		return env
	}
	if recipeDir == "" {
		recipeDir = "."
	}
	return filepath.Join(recipeDir, ".imgpipe")
}

// storeFlags are the flags of a command that looks at a store a run has
// made already (builds, report, gc).
type storeFlags struct {
	store, recipe string
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.store, "store", "", "store directory (default: .imgpipe beside --recipe, else the nearest .imgpipe/ from here upward, else $IMGPIPE_STORE)")
	fs.StringVar(&sf.recipe, "recipe", "", "the recipe whose store to use (.imgpipe beside it)")
}

// find names the store: --store; else .imgpipe beside --recipe; else the
// nearest .imgpipe/ from the working directory upward, as git finds .git;
// else $IMGPIPE_STORE. It fails naming every place it tried.
func (sf *storeFlags) find() (string, error) {
	if sf.store != "" {
		return sf.store, nil
	}
	if sf.recipe != "" {
		dir := sf.recipe
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			dir = filepath.Dir(dir)
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs // the error names a place the user recognises
		}
		return filepath.Join(dir, ".imgpipe"), nil
	}
	var tried []string
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidate := filepath.Join(dir, ".imgpipe")
			if info, err := os.Stat(filepath.Join(candidate, "objects")); err == nil && info.IsDir() {
				return candidate, nil
			}
			tried = append(tried, candidate)
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if env := os.Getenv("IMGPIPE_STORE"); env != "" {
		return env, nil
	}
	tried = append(tried, "$IMGPIPE_STORE (not set)")
	return "", usagef("no imgpipe store found; tried %s. Run a recipe first, or name its store with --store DIR or --recipe RECIPE", strings.Join(tried, ", "))
}

// open opens the store find names, which a run must have made already: a
// command that only looks never makes one where the user named the wrong
// directory.
func (sf *storeFlags) open() (*store.Store, error) {
	dir, err := sf.find()
	if err != nil {
		return nil, err
	}
	st, err := store.OpenExisting(dir)
	if errors.Is(err, store.ErrNotStore) {
		return nil, usagef("%v; name one with --store or --recipe", err)
	}
	return st, err
}

// formatFlag is the one --format flag of every command that prints in
// several forms (validate, plan, graph, builds, report, verify, doctor),
// with --json kept as an alias of --format json.
type formatFlag struct {
	value   string
	allowed []string
}

// registerFormat adds --format (def and the other allowed values) and
// --json to fs.
func registerFormat(fs *flag.FlagSet, def string, allowed ...string) *formatFlag {
	f := &formatFlag{value: def, allowed: append([]string{def}, allowed...)}
	fs.Var(f, "format", "output format: "+strings.Join(f.allowed, ", "))
	if slices.Contains(f.allowed, "json") {
		fs.BoolFunc("json", "the same as --format json", func(string) error { f.value = "json"; return nil })
	}
	return f
}

func (f *formatFlag) String() string { return f.value }

func (f *formatFlag) Set(v string) error {
	if !slices.Contains(f.allowed, v) {
		return fmt.Errorf("want %s", strings.Join(f.allowed, ", "))
	}
	f.value = v
	return nil
}

// json reports whether JSON was asked for.
func (f *formatFlag) json() bool { return f.value == "json" }
