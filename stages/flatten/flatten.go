package flatten

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/inputlimit"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/kickstart"
)

// Kind is the flatten stage kind (docs/architecture.md#stage-kinds).
var Kind = kind.Define(kind.Kind{
	Name:    "flatten",
	Summary: "Flatten a kickstart with pykickstart's semantics and apply Koji's rewrite.",
	Doc: `Parses a kickstart as pykickstart ` + kickstart.PykickstartVersion + ` does (and so Koji), follows %include,
and writes it out in pykickstart's canonical form, byte for byte what ksflatten prints and Koji hands
the installer; then applies Koji's rewrite: repos (override: the kickstart's repo commands are
replaced by "repo --name=koji-override-N --baseurl=URL", N from 0 in the order of repos; append:
those are added after the kickstart's own; keep: the kickstart's repos stay and repos is unused,
as with Koji's --ksrepo), the url command set to install_tree ("url --url=..."; its --proxy and
--ssl* options stay), and --noverifyssl on both when noverifyssl is set.

%include is resolved as Koji's builder resolves it: relative to the directory of the including file
(pykickstart tries the working directory first; Koji's is unrelated). Every file must be inside
the source's tree: the fetch-ks object's tree/ when the source comes from fetch-ks, otherwise the
store object or the source's directory. Absolute and URL includes are errors. A missing file, an
include loop, a section an included file leaves open, invalid UTF-8 or unbalanced quotes fail
the stage with the file, line and column of the problem.

%ksappend lines are dropped in command state and kept in scripts, as ksflatten and Koji do;
ksappend = true expands them as Anaconda's preprocessor does, relative to the kickstart's
directory.

Outputs, for a source named NAME.ks (or NAME.cfg, or NAME):
  NAME.ks           kickstart: the rewritten kickstart
  NAME-original.ks  original: the flattened kickstart before the rewrite
  NAME-lint.json    lint: the lint findings (as imgpipe ks lint --json prints them) as a
                    JSON list of {rule, severity, file, line, column, end_line, end_column,
                    message, hint}, file relative to the tree

Lint checks the kickstart as written: its syntax for the version (deprecated and duplicated
commands and options, dropped %ksappend lines, ...) and, with lint_for, what that Koji build
needs (image-build: a reboot or poweroff, rootpw or user, zerombr, clearpart --all
--initlabel, ...; appliance: a / mountpoint; livemedia: what livemedia-creator checks).
imgpipe ks lint --rules lists the rules. lint = "error" logs every finding and fails the stage
on findings of severity error, "warn" logs every finding and never fails, "off" writes an empty
list. A kickstart that does not parse (an unknown or removed command, a bad option, a missing
include, ...) fails the stage whatever lint says: it cannot be flattened.`,
	Version: 2,
	PerArch: false,
	// Local: the kickstart is rewritten on this machine, whatever executor
	// its arch is routed to.
	Local: true,
	Attrs: []kind.Attr{
		{Name: "source", Type: cty.String, Required: true, Doc: "The kickstart file to flatten (usually stage.<fetch-ks>.kickstart)."},
		{Name: "version", Type: cty.String, Default: cty.StringVal("DEVEL"), Doc: "The pykickstart syntax version: FC3 to F45 or RHEL3 to RHEL11 (every version pykickstart 3.74 knows), by name or number (F41, 41000); DEVEL is the newest (F45)."},
		{Name: "repos", Type: cty.List(cty.String), Doc: "Repository URLs for the install. A literal $arch is not replaced here (the image_build preset replaces Koji's $arch before); write ${arch}."},
		{Name: "repo_mode", Type: cty.String, Default: cty.StringVal("override"), OneOf: []string{"override", "append", "keep"}, Doc: "override replaces the kickstart's repos (Koji), append adds to them, keep leaves them (Koji --ksrepo)."},
		{Name: "install_tree", Type: cty.String, Doc: "Sets the kickstart's url command to this install tree."},
		{Name: "noverifyssl", Type: cty.Bool, Doc: "Adds --noverifyssl to the rewritten repo and url commands."},
		{Name: "ksappend", Type: cty.Bool, Default: cty.False, Doc: "Expand %ksappend as Anaconda does (ksflatten and Koji drop it)."},
		{Name: "lint", Type: cty.String, Default: cty.StringVal("error"), OneOf: []string{"error", "warn", "off"}, Doc: "What kickstart lint findings do: fail the stage, warn, or nothing."},
		{Name: "lint_for", Type: cty.String, OneOf: lintTargets(), Doc: "The build the kickstart is for, which adds that build's lint rules: image-build, livemedia or appliance. Unset: only the syntax is checked."},
	},
	Outputs: []kind.Output{
		{Name: "kickstart", Type: cty.String, Path: true, Doc: "The rewritten, flattened kickstart (NAME.ks)."},
		{Name: "original", Type: cty.String, Path: true, Doc: "The flattened kickstart before Koji's rewrite (NAME-original.ks)."},
		{Name: "lint", Type: cty.String, Path: true, Doc: "Lint findings, a JSON list (NAME-lint.json)."},
	},
	Validate: validate,
}, run)

type config struct {
	Source      string   `cty:"source"`
	Version     string   `cty:"version"`
	Repos       []string `cty:"repos"`
	RepoMode    string   `cty:"repo_mode"`
	InstallTree *string  `cty:"install_tree"`
	NoVerifySSL *bool    `cty:"noverifyssl"`
	KsAppend    bool     `cty:"ksappend"`
	Lint        string   `cty:"lint"`
	LintFor     *string  `cty:"lint_for"`
}

func lintTargets() []string {
	var out []string
	for _, t := range kickstart.Targets {
		out = append(out, string(t))
	}
	return out
}

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if v := c.Get("version"); v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
		if _, err := kickstart.ParseVersion(v.AsString()); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported kickstart version",
				Detail:   err.Error() + ".",
				Subject:  c.Range("version"),
			})
		}
	}
	repos := c.Get("repos")
	if m := c.Get("repo_mode"); m.IsKnown() && !m.IsNull() && m.Type() == cty.String && m.AsString() == "keep" &&
		c.Has("repos") && repos.IsKnown() && !repos.IsNull() && repos.LengthInt() > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "repos are not used",
			Detail:   `With repo_mode = "keep" the kickstart's own repos are used and repos is ignored, as Koji ignores --repo with --ksrepo.`,
			Subject:  c.Range("repos"),
		})
	}
	if repos.IsWhollyKnown() && !repos.IsNull() {
		for it := repos.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsNull() && strings.Contains(e.AsString(), "$arch") {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Literal $arch in repos",
					Detail:   fmt.Sprintf("%q keeps its $arch: the flatten stage does not substitute Koji's literal $arch. Write ${arch} to get the architecture.", e.AsString()),
					Subject:  c.Range("repos"),
				})
				break
			}
		}
	}
	return diags
}

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	v, err := kickstart.ParseVersion(cfg.Version)
	if err != nil {
		return nil, err
	}
	source := cfg.Source
	if !filepath.IsAbs(source) {
		source = filepath.Join(s.RecipeDir, source)
	}
	src, err := inputlimit.ReadFile(source, inputlimit.KickstartBytes)
	if err != nil {
		return nil, fmt.Errorf("read kickstart: %w", err)
	}
	root := treeRoot(source, s.RecipeDir)
	rel := func(p string) string {
		if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	ks, diags := kickstart.Parse(source, src, kickstart.Options{
		Version:  v,
		Resolver: kickstart.DirResolver{Root: root, AppendDir: filepath.Dir(source)},
		KsAppend: cfg.KsAppend,
	})
	if diags.HasErrors() {
		var msgs []string
		for _, f := range kickstart.Findings(diags, rel) {
			if f.Severity == "error" {
				msgs = append(msgs, findingText(f))
			}
		}
		return nil, fmt.Errorf("kickstart %s does not parse:\n%s", rel(source), strings.Join(msgs, "\n"))
	}

	// Its passwords are the run's secrets from now on: masked in the log,
	// the events and the published kickstarts (docs/reliability-secrets.md).
	_, passwords := kickstart.MaskPasswords(ks.String(), secret.Marker)
	s.Secrets.Add(passwords...)

	// Lint the kickstart as written, before the rewrite changes it.
	lint := []kickstart.LintFinding{}
	if cfg.Lint != "off" {
		opts := kickstart.LintOptions{
			InstallTree: cfg.InstallTree != nil,
			OwnRepos:    cfg.RepoMode == string(kickstart.RepoKeep),
		}
		if cfg.LintFor != nil {
			if opts.Target, err = kickstart.ParseTarget(*cfg.LintFor); err != nil {
				return nil, err
			}
		}
		lint = kickstart.Lint(ks, diags, opts)
		for i := range lint {
			lint[i].File = rel(lint[i].File)
			lint[i].Range.Filename = lint[i].File
			fmt.Fprintf(s.Log, "%s: %s\n", lint[i].Severity, lintText(lint[i]))
		}
	}

	original := ks.String()
	rw := kickstart.KojiRewrite{Repos: cfg.Repos, RepoMode: kickstart.RepoMode(cfg.RepoMode)}
	if cfg.InstallTree != nil {
		rw.InstallTree = *cfg.InstallTree
	}
	if cfg.NoVerifySSL != nil {
		rw.NoVerifySSL = *cfg.NoVerifySSL
	}
	if err := ks.Rewrite(rw); err != nil {
		return nil, err
	}
	rewritten := ks.String()

	name := outputName(source)
	files := map[string]string{
		"kickstart": name + ".ks",
		"original":  name + "-original.ks",
		"lint":      name + "-lint.json",
	}
	lintJSON, err := json.MarshalIndent(lint, "", "  ")
	if err != nil {
		return nil, err
	}
	for out, data := range map[string][]byte{
		"kickstart": []byte(rewritten),
		"original":  []byte(original),
		"lint":      append(lintJSON, '\n'),
	} {
		if err := os.WriteFile(filepath.Join(s.OutDir, files[out]), data, 0o644); err != nil {
			return nil, err
		}
	}
	if cfg.Lint == "error" && kickstart.LintHasErrors(lint) {
		var msgs []string
		for _, f := range lint {
			if f.Severity == kickstart.SeverityError {
				msgs = append(msgs, lintText(f))
			}
		}
		return nil, fmt.Errorf("kickstart %s has lint errors (lint = \"warn\" lets the stage pass):\n%s", rel(source), strings.Join(msgs, "\n"))
	}
	return kind.Outputs{
		"kickstart": cty.StringVal(files["kickstart"]),
		"original":  cty.StringVal(files["original"]),
		"lint":      cty.StringVal(files["lint"]),
	}, nil
}

// lintText is a finding on one line: "file:line:col: message [rule] Fix: hint".
func lintText(f kickstart.LintFinding) string {
	s := f.Message + " [" + f.Rule + "]"
	if f.Hint != "" {
		s += " Fix: " + f.Hint
	}
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", f.File, f.Line, f.Column, s)
	}
	if f.File != "" {
		return f.File + ": " + s
	}
	return s
}

func findingText(f kickstart.Finding) string {
	where := f.File
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
	}
	if where != "" {
		where += ": "
	}
	s := where + f.Summary
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

// outputName is the source's file name without a .ks or .cfg extension;
// a name that would collide with the store's record gets a prefix.
func outputName(source string) string {
	base := filepath.Base(source)
	for _, ext := range []string{".ks", ".cfg"} {
		if strings.HasSuffix(base, ext) && len(base) > len(ext) {
			base = strings.TrimSuffix(base, ext)
			break
		}
	}
	if base == "" || base == "." || base+".ks" == store.ResultFile {
		base = "kickstart"
	}
	return base
}

// treeRoot is the directory every included file must be in. A source in
// the store lives in an object (a directory with a result.json); fetch-ks
// objects keep the fetched tree in tree/. A local source's tree is the
// recipe's directory when it is inside it, else its own directory.
func treeRoot(source, recipeDir string) string {
	dir := filepath.Dir(source)
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, store.ResultFile)); err == nil {
			tree := filepath.Join(d, "tree")
			if inside(source, tree) {
				return tree
			}
			return d
		} else if !errors.Is(err, os.ErrNotExist) {
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if recipeDir != "" && inside(source, recipeDir) {
		return recipeDir
	}
	return dir
}

func inside(p, dir string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, "../") && r != "."
}
