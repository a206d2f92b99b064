package chroot

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the chroot stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "chroot",
	Aliases: []string{"mock"},
	Summary: "Run commands in a container build root prepared from an image, packages and setup commands.",
	Doc: `Prepares a build root (the stage's image plus packages plus setup commands, cached as a local image)
and runs commands in it with inputs mounted and declared outputs collected. The alias mock matches
Koji's mock build roots; host mock is not supported.`,
	Version: 1,
	PerArch: true,
	Attrs: []engine.Attr{
		{Name: "commands", Type: cty.List(cty.String), Required: true, Doc: "Shell commands run in order in the build root."},
		{Name: "packages", Type: cty.List(cty.String), Doc: "Packages installed into the build root with the image's package manager."},
		{Name: "setup", Type: cty.List(cty.String), Doc: "Commands run once while preparing the cached build root."},
		{Name: "inputs", Type: cty.List(cty.String), Doc: "Files and directories made available to the commands."},
		{Name: "outputs", Type: cty.List(cty.String), Doc: "Names of files or directories the commands write into $IMGPIPE_OUT; each becomes an output."},
		{Name: "network", Type: cty.String, Default: cty.StringVal("none"), OneOf: []string{"none", "host"}, Doc: "Network access while the commands run."},
		{Name: "privileged", Type: cty.Bool, Default: cty.False, Doc: "Run the container privileged (loop devices, mounts)."},
	},
	DynamicOutputs: func(cfg cty.Value) []string {
		v := cfg.GetAttr("outputs")
		if v.IsNull() || !v.IsWhollyKnown() {
			return nil
		}
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, e.AsString())
		}
		return out
	},
	Outputs: []engine.Output{
		{Name: "dir", Type: cty.String, Path: true, Doc: "The output directory, holding every file the commands wrote into $IMGPIPE_OUT."},
	},
}
