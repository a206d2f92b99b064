package upload

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// Kind is the upload stage kind (docs/architecture.md#stage-kinds).
var Kind = kind.Define(kind.Kind{
	Name:    "upload",
	Summary: "Publish artifacts into the store's builds or push them to an OCI registry.",
	Doc: `With to = "store" (the default), publishes the artifacts as a build:
builds/<name>/<version>/<release>/ holds images/ (the artifacts, with Koji's file names),
data/logs/<arch>/ (logs), data/kickstarts/<arch>/ (kickstarts), SHA256SUMS and, written last,
metadata.json (schemas/metadata.schema.json): a build exists iff its metadata.json does. Each
architecture's instance adds its part; metadata.json is written once every required architecture
has published, and a can_fail architecture that publishes later is added to it. A scratch build
goes to scratch/<user>/<run>/ instead. Files are read-only copies of the store's objects
(reflinks where the file system has them), never hard links, so writing into a published image
changes neither the store nor SHA256SUMS.

With to = "oci://host[:port]/repo:tag", pushes the disk images as an OCI artifact (one layer per
image) and the docker format as a runnable image; several architectures share the tag through an
image index. Loopback registries are spoken to over plain HTTP; credentials come from the
Docker/Podman credential files.

It always checks its destination, so it is never satisfied from the cache alone: a build that
already holds the same files for this architecture is up to date and left untouched, once its
files are checked against the digests they were published with: a damaged file is put back from
its object, and one that cannot be is an error.`,
	Version:     1,
	PerArch:     true,
	UsesRelease: true,
	Uncached:    true,
	// Local: it publishes into the local store (or pushes from here),
	// whatever executor its arch is routed to.
	Local: true,
	Attrs: []kind.Attr{
		{Name: "artifacts", Type: cty.Map(cty.String), Required: true, Doc: "The files to publish, by format: a file, or a directory each of whose files is published under its own name (files named at run time)."},
		{Name: "to", Type: cty.String, Default: cty.StringVal("store"), Doc: "store, or oci://host[:port]/repo:tag."},
		{Name: "packages", Type: cty.String, Doc: "The package list to record in metadata.json (boot-verify's packages)."},
		{Name: "kickstarts", Type: cty.List(cty.String), Doc: "Kickstarts to publish and record in metadata.json: the original, then the rewritten one.", Record: true},
		{Name: "logs", Type: cty.List(cty.String), Doc: "Logs (files or directories) to publish under data/logs/<arch>/.", Record: true},
		{Name: "kickstart_url", Type: cty.String, Doc: "Where the kickstart came from, for metadata.json (fetch-ks's url).", Record: true},
		{Name: "kickstart_revision", Type: cty.String, Doc: "The kickstart's revision, for metadata.json (stage.<fetch-ks>.revision).", Record: true},
		{Name: "install_tree", Type: cty.String, Doc: "The install tree the image was installed from, for metadata.json: `imgpipe boot N-V-R` boots the image with its kernel. A local directory is recorded as an absolute path.", Record: true},
	},
	Outputs: []kind.Output{
		{Name: "location", Type: cty.String, Doc: "Where the build was published: its directory, or the pushed reference with its digest."},
	},
	Validate: validate,
}, run)

type config struct {
	Artifacts         map[string]string `cty:"artifacts"`
	To                string            `cty:"to"`
	Packages          *string           `cty:"packages"`
	Kickstarts        []string          `cty:"kickstarts"`
	Logs              []string          `cty:"logs"`
	KickstartURL      *string           `cty:"kickstart_url"`
	KickstartRevision *string           `cty:"kickstart_revision"`
	InstallTree       *string           `cty:"install_tree"`
}

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if to := c.Get("to"); to.IsKnown() && !to.IsNull() {
		if s := to.AsString(); s != "store" {
			if _, err := parseOCI(s); err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid upload destination",
					Detail:   fmt.Sprintf("%s. to is \"store\" or \"oci://host[:port]/repo:tag\".", err),
					Subject:  c.Range("to"),
				})
			}
		}
	}
	if a := c.Get("artifacts"); a.IsWhollyKnown() && !a.IsNull() && a.LengthInt() == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Nothing to upload",
			Detail:   "artifacts is empty; give the files to publish, e.g. artifacts = stage.images.artifacts.",
			Subject:  c.Range("artifacts"),
		})
	}
	return diags
}

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	if len(cfg.Artifacts) == 0 {
		return nil, errors.New("upload: no artifacts")
	}
	if s.Store == nil || s.RunID == "" {
		return nil, errors.New("upload: the stage has no store or run ID; the engine gives them to every stage")
	}
	var (
		loc string
		err error
	)
	if cfg.To == "" || cfg.To == "store" {
		loc, err = publishStore(ctx, s, &cfg, s.Store, s.RunID)
	} else {
		loc, err = pushOCI(ctx, s, &cfg, s.Store)
	}
	if err != nil {
		return nil, err
	}
	return kind.Outputs{"location": cty.StringVal(loc)}, nil
}
