package fetchks

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the fetch-ks stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "fetch-ks",
	Summary: "Fetch a kickstart and the tree around it: a Koji SCM URL, a local path, http(s) or any go-getter URL.",
	Doc: `Fetches the tree holding a kickstart. url takes Koji's SCM syntax (git+https://host/repo.git?subdir#rev,
git://, git+ssh://, git+file://), a local file or directory, an http(s) URL (with checksum), or a
go-getter URL. A full 40-hex commit is pinned; anything else is resolved to one first.`,
	Version: 1,
	PerArch: false,
	Attrs: []engine.Attr{
		{Name: "url", Type: cty.String, Required: true, Doc: "Where the kickstart's tree is: Koji SCM URL, local path, http(s) or go-getter URL."},
		{Name: "file", Type: cty.String, Doc: "The kickstart's path inside the tree."},
		{Name: "checksum", Type: cty.String, Doc: `Expected checksum of an http(s) download, "sha256:<hex>".`},
	},
	Outputs: []engine.Output{
		{Name: "tree", Type: cty.String, Path: true, Doc: "The fetched tree."},
		{Name: "kickstart", Type: cty.String, Path: true, Doc: "The kickstart file inside the tree."},
		{Name: "revision", Type: cty.String, Doc: "The full commit sha or content digest that was fetched."},
	},
}
