package flatten

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the flatten stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "flatten",
	Summary: "Flatten a kickstart with pykickstart's semantics and apply Koji's rewrite.",
	Doc: `Parses a kickstart as pykickstart does (and so Koji), inlines %include, and applies Koji's rewrite:
repos (override, append or keep), url set to the install tree, noverifyssl.`,
	Version: 1,
	PerArch: false,
	Attrs: []engine.Attr{
		{Name: "source", Type: cty.String, Required: true, Doc: "The kickstart file to flatten (usually stage.<fetch-ks>.kickstart)."},
		{Name: "version", Type: cty.String, Default: cty.StringVal("DEVEL"), Doc: "The pykickstart syntax version; DEVEL is the newest."},
		{Name: "repos", Type: cty.List(cty.String), Doc: "Repository URLs for the install. A literal $arch is not replaced here (the image_build preset replaces Koji's $arch before); write ${arch}."},
		{Name: "repo_mode", Type: cty.String, Default: cty.StringVal("override"), OneOf: []string{"override", "append", "keep"}, Doc: "override replaces the kickstart's repos (Koji), append adds to them, keep leaves them (Koji --ksrepo)."},
		{Name: "install_tree", Type: cty.String, Doc: "Sets the kickstart's url command to this install tree."},
		{Name: "noverifyssl", Type: cty.Bool, Doc: "Adds --noverifyssl to the rewritten repo and url commands."},
		{Name: "ksappend", Type: cty.Bool, Default: cty.False, Doc: "Expand %ksappend as Anaconda does (ksflatten and Koji drop it)."},
		{Name: "lint", Type: cty.String, Default: cty.StringVal("error"), OneOf: []string{"error", "warn", "off"}, Doc: "What kickstart lint findings do: fail the stage, warn, or nothing."},
	},
	Outputs: []engine.Output{
		{Name: "kickstart", Type: cty.String, Path: true, Doc: "The rewritten, flattened kickstart."},
		{Name: "original", Type: cty.String, Path: true, Doc: "The flattened kickstart before Koji's rewrite."},
		{Name: "lint", Type: cty.String, Path: true, Doc: "Lint findings, JSON."},
	},
}
