package kojiexport

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
)

// Export returns what Koji needs to build a planned preset recipe: the INI
// for image_build, the koji spin-* command line (with a final newline) for
// livemedia, appliance and livecd, with CheckUpload's warnings added.
func Export(plan *engine.Plan) (string, hcl.Diagnostics) {
	var (
		out   string
		diags hcl.Diagnostics
	)
	if p := plan.Preset; p != nil && p.Preset.Name == "image_build" {
		b, d := INI(plan)
		out, diags = string(b), d
	} else {
		line, d := SpinCommand(plan)
		out, diags = line+"\n", d
	}
	return out, append(diags, CheckUpload(plan)...)
}
