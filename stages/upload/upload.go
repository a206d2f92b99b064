package upload

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the upload stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "upload",
	Summary: "Publish artifacts into the store's builds or push them to an OCI registry.",
	Doc: `Publishes artifacts as a build (builds/<name>/<version>/<release>/ with SHA256SUMS and
metadata.json) or pushes them to oci://host[:port]/repo:tag. It always checks its destination,
so it is never satisfied from the cache alone.`,
	Version:  1,
	PerArch:  true,
	Uncached: true,
	Attrs: []engine.Attr{
		{Name: "artifacts", Type: cty.Map(cty.String), Required: true, Doc: "The files to publish, by format."},
		{Name: "to", Type: cty.String, Default: cty.StringVal("store"), Doc: "store, or oci://host[:port]/repo:tag."},
		{Name: "packages", Type: cty.String, Doc: "The package list to record in metadata.json."},
		{Name: "kickstarts", Type: cty.List(cty.String), Doc: "Kickstarts to record in metadata.json."},
		{Name: "logs", Type: cty.List(cty.String), Doc: "Logs to publish with the build."},
	},
	Outputs: []engine.Output{
		{Name: "location", Type: cty.String, Doc: "Where the build was published."},
	},
}
