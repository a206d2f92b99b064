package fetchks

import (
	"context"
	"errors"
	"io"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// Kind is the fetch-ks stage kind (docs/architecture.md#stage-kinds).
var Kind = kind.Define(kind.Kind{
	Name:    "fetch-ks",
	Summary: "Fetch a kickstart and the tree around it: a Koji SCM URL, a local path, http(s) or any go-getter URL.",
	Doc: `Fetches the tree holding a kickstart into the store and checks the kickstart is there.

url takes:
  - Koji's SCM syntax: git://, git+https://, git+http://, git+ssh:// and git+file:// URLs,
    git+https://host/repo.git?subdir#revision (a leading origin/ in the revision is dropped);
  - go-getter's git syntax: git::https://host/repo.git//subdir?ref=revision (depth=N only with
    a branch or tag), and its shorthands (git@host:org/repo.git);
  - a local file or directory, relative to the recipe (or file:///absolute/path);
  - an http(s) file, or an archive (.tar.gz, .zip, ... unpacked; archive//subdir), pinned by
    checksum = "sha256:<hex>";
  - other go-getter URLs: s3::, gcs::, hg::.

git, http(s) and other go-getter sources are fetched by imgpipe-getter, a helper program
installed beside imgpipe. A go-getter shorthand is expanded when the source is resolved, so
validate checks only its syntax.

Only a full 40-hex commit (or a checksum) pins a source. Anything else is resolved before the
run (git ls-remote; a local tree's content digest; an http ETag or Last-Modified date), the result
goes into the stage ID, so a moved branch or an edited file fetches again, and a warning says the
recipe is not reproducible. The stage then fetches exactly that revision. file is the kickstart's
path inside the tree: for a single file it defaults to its name; without it a tree is fetched as it
is and kickstart is the tree (Koji's lorax_url). Paths leaving the tree, ".." in a subdirectory,
symlinks that point out of the tree, archive members that are links or special files, and a local
url inside the recipe's directory that leads out of it through a symlink are refused. Downloads
have idle and total timeouts ($IMGPIPE_DOWNLOAD_IDLE_TIMEOUT, $IMGPIPE_DOWNLOAD_TIMEOUT).

The object holds tree/ (the fetched tree, without .git), revision (one line) and source.json.`,
	Version: 1,
	PerArch: false,
	// Local: the source is fetched on this machine, whatever executor its
	// arch is routed to.
	Local: true,
	Attrs: []kind.Attr{
		{Name: "url", Type: cty.String, Required: true, Doc: "Where the kickstart's tree is: Koji SCM URL, local path, http(s) or go-getter URL."},
		{Name: "file", Type: cty.String, Doc: "The kickstart's path inside the tree (inside the subdirectory, if the url names one). Defaults to the file's name when the url names a single file; without it, a tree has no kickstart and the kickstart output is the tree."},
		{Name: "checksum", Type: cty.String, Doc: `Expected checksum of an http(s) download or a local file, "sha256:<hex>" (or "sha512:<hex>").`},
	},
	Outputs: []kind.Output{
		{Name: "tree", Type: cty.String, Path: true, Doc: "The fetched tree."},
		{Name: "kickstart", Type: cty.String, Path: true, Doc: "The kickstart file inside the tree."},
		{Name: "revision", Type: cty.String, Doc: "What was fetched: the full commit, the download's checksum, or the tree's content digest."},
	},
	Validate: validate,
	Resolve:  resolve,
}, run)

type config struct {
	URL      string  `cty:"url"`
	File     *string `cty:"file"`
	Checksum *string `cty:"checksum"`
}

// request reads a configuration into a Request. known is false when an
// attribute is not known yet (it refers to another stage's output); an
// unknown file or checksum is then a placeholder that passes Problems, so
// the rest can still be checked.
func request(c *kind.Config, dir string) (r Request, known bool) {
	r, known = Request{Dir: dir}, true
	for _, a := range []struct {
		name, placeholder string
		dst               *string
	}{{"url", "", &r.URL}, {"file", "unknown.ks", &r.File}, {"checksum", "", &r.Checksum}} {
		v := c.Get(a.name)
		switch {
		case !v.IsKnown() || v.IsMarked():
			known = false
			*a.dst = a.placeholder
		case !v.IsNull() && v.Type() == cty.String:
			*a.dst = v.AsString()
		}
	}
	return r, known
}

// validate checks what is known without fetching: url syntax, the
// kickstart's path, the checksum's form. It never touches the network.
func validate(c *kind.Config) hcl.Diagnostics {
	dir := ""
	if c.Block.Filename != "" {
		if abs, err := filepath.Abs(c.Block.Filename); err == nil {
			dir = filepath.Dir(abs)
		}
	}
	r, _ := request(c, dir)
	if v := c.Get("url"); !v.IsKnown() || v.IsMarked() {
		return nil
	}
	var diags hcl.Diagnostics
	for _, p := range r.Problems() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  p.Summary,
			Detail:   p.Detail,
			Subject:  c.Range(p.Attr),
		})
	}
	return diags
}

// resolve pins the source (see Resolve). Warnings point at url.
func resolve(ctx context.Context, c *kind.Config, recipeDir string) (string, hcl.Diagnostics) {
	r, ok := request(c, recipeDir)
	if !ok || len(r.Problems()) > 0 {
		return "", nil
	}
	res, err := Resolve(ctx, r)
	var p Problem
	switch {
	case errors.As(err, &p):
		// Found only once a go-getter shorthand is expanded.
		return "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  p.Summary,
			Detail:   p.Detail,
			Subject:  c.Range(p.Attr),
		}}
	case err != nil:
		return "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot resolve url",
			Detail:   err.Error(),
			Subject:  c.Range("url"),
		}}
	}
	var diags hcl.Diagnostics
	for _, w := range res.Warnings {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Source not pinned",
			Detail:   w,
			Subject:  c.Range("url"),
		})
	}
	return res.Revision, diags
}

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	r := Request{URL: cfg.URL, Dir: s.RecipeDir}
	if cfg.File != nil {
		r.File = *cfg.File
	}
	if cfg.Checksum != nil {
		r.Checksum = *cfg.Checksum
	}
	log := s.Log
	if log == nil {
		log = io.Discard
	}
	resolved := s.Resolved
	if resolved == "" {
		// The url was not known at planning (it refers to another stage).
		res, err := Resolve(ctx, r)
		if err != nil {
			return nil, err
		}
		for _, w := range res.Warnings {
			s.Warnf("%s", w)
		}
		resolved = res.Revision
	}
	res, err := Fetch(ctx, r, resolved, s.OutDir, s.Scratch, log)
	if err != nil {
		return nil, locateURL(err)
	}
	return kind.Outputs{
		"tree":      cty.StringVal(res.Tree),
		"kickstart": cty.StringVal(res.Kickstart),
		"revision":  cty.StringVal(res.Revision),
	}, nil
}

// locateURL makes what the url brought and fetch-ks refuses (a symlink
// leaving the tree, a link in an archive) an error the engine reports at
// the url attribute.
func locateURL(err error) error {
	var escape *escapeError
	var refused *gogetter.RefusedError
	if errors.As(err, &escape) || errors.As(err, &refused) {
		return &kind.AttrError{Attr: "url", Err: err}
	}
	return err
}
