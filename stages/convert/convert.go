package convert

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the convert stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "convert",
	Summary: "Convert a raw disk into Koji's image formats.",
	Doc: `Converts disk into each of formats with Koji's file names: raw, raw-xz, qcow, qcow2, vmdk, vdi,
vpc, vhdx, tar-gz, liveimg-squashfs, docker, rhevm-ova, vsphere-ova and the vagrant boxes.`,
	Version: 1,
	PerArch: true,
	// File names and the build directory carry the release.
	UsesRelease: true,
	Attrs: []engine.Attr{
		{Name: "disk", Type: cty.String, Required: true, Doc: "The raw disk to convert."},
		{Name: "formats", Type: cty.List(cty.String), Required: true, Doc: "The formats to produce."},
		{Name: "ova", Type: cty.Map(cty.String), Doc: "The [ova-options] settings."},
		{Name: "factory", Type: cty.Map(cty.String), Doc: "The [factory-parameters] settings."},
		{Name: "vagrantfile", Type: cty.String, Doc: "A Vagrantfile to put into vagrant boxes."},
		{Name: "qcow2_compat", Type: cty.String, Default: cty.StringVal("0.10"), Doc: "qcow2 compatibility level."},
	},
	Outputs: []engine.Output{
		{Name: "artifacts", Type: cty.Map(cty.String), Path: true, Doc: "Each format's file."},
	},
}
