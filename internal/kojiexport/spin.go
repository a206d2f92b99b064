package kojiexport

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/imgpipe/imgpipe/internal/shquote"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/kind"
)

// spinOption is one option of a koji spin-* command: the preset attribute
// it comes from and Koji's flag.
type spinOption struct {
	attr, flag string
}

// The options each spin command gets, in the order Koji's --help lists them
// (docs/koji-migration.md has a table per command). --wait, --nowait and
// --noprogress are about the koji command itself and never exported.
var (
	livemediaOptions = []spinOption{
		{"background", "--background"}, {"ksurl", "--ksurl"}, {"install_tree_url", "--install-tree-url"},
		{"ksversion", "--ksversion"}, {"scratch", "--scratch"}, {"repo", "--repo"}, {"release", "--release"},
		{"volid", "--volid"}, {"specfile", "--specfile"}, {"skip_tag", "--skip-tag"}, {"can_fail", "--can-fail"},
		{"lorax_dir", "--lorax_dir"}, {"lorax_url", "--lorax_url"}, {"nomacboot", "--nomacboot"},
		{"ksrepo", "--ksrepo"}, {"squashfs_only", "--squashfs-only"}, {"compress_arg", "--compress-arg"},
	}
	applianceOptions = []spinOption{
		{"background", "--background"}, {"ksurl", "--ksurl"}, {"ksversion", "--ksversion"},
		{"scratch", "--scratch"}, {"repo", "--repo"}, {"release", "--release"}, {"specfile", "--specfile"},
		{"skip_tag", "--skip-tag"}, {"vmem", "--vmem"}, {"vcpu", "--vcpu"}, {"format", "--format"},
	}
	livecdOptions = []spinOption{
		{"background", "--background"}, {"ksurl", "--ksurl"}, {"ksversion", "--ksversion"},
		{"scratch", "--scratch"}, {"repo", "--repo"}, {"release", "--release"}, {"volid", "--volid"},
		{"specfile", "--specfile"}, {"skip_tag", "--skip-tag"},
	}
)

// SpinCommand returns the koji command line that builds what a livemedia,
// appliance or livecd block describes:
//
//	koji spin-livemedia|spin-appliance|spin-livecd [options] <name> <version> <target> <arch> <kickstart>
//
// Options come in the order Koji's --help lists them, as --flag=value (a
// list attribute repeats its flag, except can_fail, which Koji takes
// comma-separated), shell-quoted; false booleans and unset attributes are
// left out. livemedia's arch is the comma-separated list Koji accepts there.
// Settings Koji has no option for are warnings.
//
// A value that depends on the architecture is exported when every
// architecture gives the same one: Koji's spin commands substitute no $arch.
func SpinCommand(plan *engine.Plan) (string, hcl.Diagnostics) {
	var (
		cmd  string
		opts []spinOption
	)
	p := plan.Preset
	if p == nil {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not a preset recipe", Detail: "Only livemedia, appliance and livecd blocks export as a koji spin-* command."}}
	}
	switch p.Preset.Name {
	case "livemedia":
		cmd, opts = "spin-livemedia", livemediaOptions
	case "appliance":
		cmd, opts = "spin-appliance", applianceOptions
	case "livecd":
		cmd, opts = "spin-livecd", livecdOptions
	default:
		return "", hcl.Diagnostics{errorf(p.Block.TypeRange.Ptr(), "No koji spin command",
			"%s has no koji spin-* command; only livemedia, appliance and livecd blocks export as one.", p.Preset.Name)}
	}
	c := p.Config
	var diags hcl.Diagnostics
	words := []string{"koji", cmd}
	known := func(name string) (cty.Value, bool) {
		v := c.Get(name)
		if !c.Has(name) || v.IsNull() {
			return v, false
		}
		if v.IsWhollyKnown() {
			return v, true
		}
		if v, ok := presetValueForEveryArch(plan, name); ok {
			return v, true
		}
		diags = append(diags, errorf(c.Range(name), "Value depends on arch",
			"koji %s takes one %s for every architecture and substitutes no $arch in it, and this value differs between them. Use one value, or one recipe per architecture.", cmd, name))
		return v, false
	}
	ksrepo := false
	mode, hasMode := known("repo_mode")
	if hasMode {
		switch m := mode.AsString(); {
		case m == "keep" && p.Preset.Name == "livemedia":
			ksrepo = true
		case m != "override":
			diags = append(diags, warnf(c.Range("repo_mode"), "repo_mode has no Koji option",
				"koji %s has no option for repo_mode = %q; Koji will replace the kickstart's repos (with repo, or the build tag's repository).", cmd, m))
		}
	}
	for _, o := range opts {
		v, ok := known(o.attr)
		if o.attr == "ksrepo" {
			if ksrepo || ok && v.True() {
				words = append(words, o.flag)
			}
			continue
		}
		if !ok {
			continue
		}
		switch {
		case v.Type() == cty.Bool:
			if v.True() {
				words = append(words, o.flag)
			}
		case v.Type().IsListType() || v.Type().IsTupleType():
			items := kind.StringList(v)
			if o.attr == "can_fail" {
				if len(items) > 0 {
					words = append(words, o.flag+"="+shquote.Quote(strings.Join(items, ",")))
				}
				continue
			}
			for _, s := range items {
				words = append(words, o.flag+"="+shquote.Quote(s))
			}
		default:
			words = append(words, o.flag+"="+shquote.Quote(v.AsString()))
		}
	}
	if c.Has("buildroot_image") {
		// builder/kojid: BuildLiveMediaTask, BuildApplianceTask and
		// LiveCDTask install their chroot's livemedia-build,
		// appliance-build and livecd-build groups.
		group := map[string]string{"appliance": "appliance-build", "livecd": "livecd-build"}[p.Preset.Name]
		if group == "" {
			group = "livemedia-build"
		}
		diags = append(diags, warnf(c.Range("buildroot_image"), "buildroot_image has no Koji option",
			"Koji builds in a mock chroot made from the build tag's %s group; buildroot_image only applies to imgpipe.", group))
	}
	// kojid BuildLiveMediaTask and BuildApplianceTask pass a scratch
	// build's release on as given: without --release it is None (livecd's
	// asks getNextRelease). imgpipe names such a build with the next
	// release (docs/koji-behaviour.md#scratch-builds); Koji cannot.
	if scratch, ok := known("scratch"); ok && scratch.True() && !c.Has("release") && p.Preset.Name != "livecd" {
		diags = append(diags, warnf(c.Range("scratch"), "Koji's scratch build needs --release",
			"A Koji scratch %s without --release runs with release None (a volume ID and file names ending in None, appliance-creator --release None) and fails; imgpipe names it with the next release. Set release to export a build Koji can make.", cmd))
	}
	str := func(name string) string {
		v, ok := known(name)
		if !ok {
			return ""
		}
		return v.AsString()
	}
	var arch string
	if v, ok := known("arches"); ok {
		arch = strings.Join(kind.StringList(v), ",")
	}
	positional := []struct{ name, value string }{
		{"name", p.Label}, {"version", str("version")}, {"target", str("target")}, {"arches", arch}, {"kickstart", str("kickstart")},
	}
	for _, a := range positional {
		if a.value == "" && (a.name == "name" || !c.Has(a.name)) {
			diags = append(diags, errorf(p.Block.DeclRange.Ptr(), "Koji needs "+a.name,
				"koji %s takes %s as a positional argument, and the recipe does not set it. Add %s to the %s block.", cmd, a.name, a.name, p.Preset.Name))
		}
		words = append(words, shquote.Quote(a.value))
	}
	return strings.Join(words, " "), diags
}

// CheckUpload warns when a preset's kickstart is a local file (no ksurl)
// that pulls in other files with %include or %ksappend: the koji CLI
// uploads only that one file, so the Koji build cannot find the others.
func CheckUpload(plan *engine.Plan) hcl.Diagnostics {
	if plan.Preset == nil {
		return nil
	}
	c, dir := plan.Preset.Config, plan.Recipe.Dir
	if v := c.Get("ksurl"); c.Has("ksurl") && !v.IsNull() {
		return nil
	}
	v := c.Get("kickstart")
	if v.IsNull() || !v.IsWhollyKnown() || v.Type() != cty.String || v.AsString() == "" {
		return nil
	}
	ks := v.AsString()
	path := ks
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil // planning reports a missing kickstart
	}
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "%include") || strings.HasPrefix(line, "%ksappend") {
			found = append(found, fmt.Sprintf("line %d: %s", n, line))
		}
	}
	if len(found) == 0 {
		return nil
	}
	return hcl.Diagnostics{warnf(c.Range("kickstart"), "Kickstart needs flattening for Koji",
		"Without ksurl, the koji CLI uploads only %s, and it pulls in other files (%s), which the Koji builder will not find. Flatten it first (ksflatten -c %s -o flat.ks) and export with the flat file, or put the kickstarts in git and set ksurl.",
		ks, strings.Join(found, "; "), ks)}
}

func errorf(rng *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng}
}

func warnf(rng *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng}
}
