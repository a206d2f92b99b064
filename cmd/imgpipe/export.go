package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/kojiexport"
)

// cmdExportKoji prints what Koji needs to build a preset recipe: the
// `koji image-build --config` INI for image_build, or the koji spin-livemedia,
// spin-appliance or spin-livecd command line for the others. Values are the
// evaluated ones, so variables and -var settings are resolved.
func cmdExportKoji(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("export-koji", "RECIPE.hcl")
	var rf recipeFlags
	rf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path, err := oneRecipe("export-koji", pos)
	if err != nil {
		return err
	}
	plan, _, warnings, err := a.prepareQuiet(ctx, path, rf, forCheck)
	if err != nil {
		return err
	}
	// "Unused locally" is about running here; exporting uses those options.
	var diags hcl.Diagnostics
	for _, d := range warnings {
		if !strings.HasPrefix(d.Summary, "Unused locally: ") {
			diags = append(diags, d)
		}
	}
	if plan.Preset == nil {
		return usagef("%s is not a preset recipe: export-koji exports an image_build, livemedia, appliance or livecd block, and this recipe has a build block and stages of its own, which Koji cannot build", path)
	}
	out, d := kojiexport.Export(plan)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return diags
	}
	a.printDiags(diags)
	_, err = fmt.Fprint(a.stdout, out)
	return err
}
