package flatten

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/gocty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/internal/inputlimit"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/kickstart"
)

// fetchRef matches a flatten source that is a fetch-ks stage's kickstart.
var fetchRef = regexp.MustCompile(`^\$\{stage\.([A-Za-z_][A-Za-z0-9_-]*)\.kickstart\}$`)

// LintLocal lints, as `imgpipe validate` does, the kickstarts that a
// plan's flatten stages read from local files: a flatten source that is a
// file, or a fetch-ks stage of a local path. Nothing is fetched. Findings
// follow each stage's lint setting (error, warn, off). It returns the
// findings and the kickstart sources, for diagnostic snippets.
func LintLocal(p *engine.Plan) (hcl.Diagnostics, map[string]*hcl.File) {
	var diags hcl.Diagnostics
	files := map[string]*hcl.File{}
	seen := map[string]bool{}
	for _, n := range p.Nodes {
		if n.Kind != Kind || !n.Config.IsWhollyKnown() {
			continue
		}
		var cfg config
		if gocty.FromCtyValue(n.Config, &cfg) != nil || cfg.Lint == "off" {
			continue
		}
		path := localKickstart(p, n, cfg.Source)
		if path == "" {
			continue
		}
		key := path + "\x00" + cfg.Version + "\x00" + cfg.Lint + "\x00" + deref(cfg.LintFor)
		if seen[key] {
			continue
		}
		seen[key] = true
		src, err := inputlimit.ReadFile(path, inputlimit.KickstartBytes)
		if err != nil {
			continue // fetch-ks and the run report a missing file with more context
		}
		v, err := kickstart.ParseVersion(cfg.Version)
		if err != nil {
			continue // Validate reported it
		}
		ks, kdiags := kickstart.Parse(path, src, kickstart.Options{Version: v, Resolver: kickstart.DirResolver{}})
		opts := kickstart.LintOptions{
			InstallTree: cfg.InstallTree != nil,
			OwnRepos:    cfg.RepoMode == string(kickstart.RepoKeep),
		}
		if cfg.LintFor != nil {
			opts.Target, _ = kickstart.ParseTarget(*cfg.LintFor)
		}
		for _, f := range ks.Files {
			// Diagnostics quote the kickstart: without its passwords.
			masked, _ := kickstart.MaskPasswords(string(f.Src), secret.Marker)
			files[f.Path] = &hcl.File{Bytes: []byte(masked)}
		}
		for _, d := range kickstart.LintDiagnostics(kickstart.Lint(ks, kdiags, opts)) {
			if cfg.Lint == "warn" {
				d.Severity = hcl.DiagWarning
			}
			diags = append(diags, d)
		}
	}
	return diags, files
}

// localKickstart returns the local file a flatten source names, or "".
func localKickstart(p *engine.Plan, n *engine.Node, source string) string {
	m := fetchRef.FindStringSubmatch(source)
	if m == nil {
		if strings.HasPrefix(source, "${") || source == "" {
			return ""
		}
		return abs(p.Recipe.Dir, source)
	}
	fk := p.Instances[m[1]][n.Arches[0]]
	if fk == nil || fk.Kind.Name != "fetch-ks" {
		return ""
	}
	url := stringAttr(fk, "url")
	if url == "" || strings.Contains(url, "://") || strings.Contains(url, "::") {
		return "" // remote: validate never fetches
	}
	path := abs(p.Recipe.Dir, url)
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		file := stringAttr(fk, "file")
		if file == "" {
			return ""
		}
		path = filepath.Join(path, file)
	}
	return path
}

func stringAttr(n *engine.Node, name string) string {
	if !n.Config.Type().IsObjectType() || !n.Config.Type().HasAttribute(name) {
		return ""
	}
	v := n.Config.GetAttr(name)
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	var s string
	if gocty.FromCtyValue(v, &s) != nil {
		return ""
	}
	return s
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
