package kojireplay

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/legacyini"
)

// optKind is how a task option is written.
type optKind int

const (
	optString optKind = iota
	optList
	optBool
)

// attrSpec is one preset attribute: where its value comes from.
type attrSpec struct {
	name string
	kind optKind
	// opt is the task option it comes from; "" for the ones the writer
	// computes (version, release, target, arches, the kickstart or tree of
	// the request, repo, ksurl).
	opt string
}

func spec(name string, k optKind) attrSpec { return attrSpec{name: name, kind: k, opt: name} }

// imageAttrs follow legacyini.Keys, the order `imgpipe upgrade` writes:
// every key is an option dest, except can_fail (optional_arches) and the
// ones from the request.
func imageAttrs() []attrSpec {
	var out []attrSpec
	for _, k := range legacyini.Keys[1:] {
		switch k {
		case "version", "release", "target", "install_tree", "arches", "repo", "ksurl":
			out = append(out, attrSpec{name: k})
		case "can_fail":
			out = append(out, attrSpec{name: k, kind: optList, opt: "optional_arches"})
		case "format":
			out = append(out, spec(k, optList))
		case "scratch", "skip_tag", "noverifyssl", "background":
			out = append(out, spec(k, optBool))
		default:
			out = append(out, spec(k, optString))
		}
	}
	return out
}

// livemediaAttrs, applianceAttrs and livecdAttrs follow the presets' attribute order
// (stages/koji/presets.go), which is the koji CLI's.
var livemediaAttrs = []attrSpec{
	{name: "version"}, {name: "release"}, {name: "target"}, {name: "arches"},
	{name: "can_fail", kind: optList, opt: "optional_arches"},
	{name: "kickstart"}, {name: "ksurl"},
	spec("install_tree_url", optString), spec("ksversion", optString), spec("scratch", optBool),
	{name: "repo"}, spec("ksrepo", optBool), spec("volid", optString), spec("specfile", optString),
	spec("skip_tag", optBool), spec("lorax_url", optString), spec("lorax_dir", optString),
	spec("nomacboot", optBool), spec("squashfs_only", optBool), spec("compress_arg", optList),
	{name: "buildroot_image"},
}

var applianceAttrs = []attrSpec{
	{name: "version"}, {name: "release"}, {name: "target"}, {name: "arches"},
	{name: "kickstart"}, {name: "ksurl"}, spec("ksversion", optString), spec("scratch", optBool),
	{name: "repo"}, spec("specfile", optString), spec("skip_tag", optBool),
	spec("vmem", optString), spec("vcpu", optString), spec("format", optString),
	{name: "buildroot_image"},
}

var livecdAttrs = []attrSpec{
	{name: "version"}, {name: "release"}, {name: "target"}, {name: "arches"},
	{name: "kickstart"}, {name: "ksurl"}, spec("ksversion", optString), spec("scratch", optBool),
	{name: "repo"}, spec("volid", optString), spec("specfile", optString), spec("skip_tag", optBool),
	{name: "buildroot_image"},
}

// consumed are options read other than through an attrSpec.
var consumed = map[string][]string{
	"image":     {"ksurl", "repo", "release", "ova_option", "factory_parameter", "kickstart"},
	"livemedia": {"ksurl", "repo", "release"},
	"appliance": {"ksurl", "repo", "release"},
	"livecd":    {"ksurl", "repo", "release"},
}

var presetOf = map[string]string{"image": "image_build", "livemedia": "livemedia", "appliance": "appliance", "livecd": "livecd"}

// write is the recipe: a header comment, the preset block, the comments
// that say what it cannot carry.
func (w *writer) write() []byte {
	f := hclwrite.NewEmptyFile()
	root := f.Body()
	var attrs []attrSpec
	switch w.task.method {
	case "image":
		attrs = imageAttrs()
	case "livemedia":
		attrs = livemediaAttrs
	case "livecd":
		attrs = livecdAttrs
	default:
		attrs = applianceAttrs
	}
	o := w.req.opts
	used := map[string]bool{}
	for _, k := range consumed[w.task.method] {
		used[k] = true
	}

	var image string
	if w.task.method != "image" && len(w.kids) > 0 {
		tag := w.kids[0].buildTagName
		if img, ok := buildroot(tag); ok {
			image = img
			w.notes = append(w.notes, fmt.Sprintf("Koji made the build root from build tag %s (its %s-build group); this recipe makes it from buildroot_image, Fedora's container image of that release.", tag, w.task.method))
		} else {
			w.notes = append(w.notes, fmt.Sprintf("Koji made the build root from build tag %s (its %s-build group); this recipe makes it from the preset's default buildroot_image: set buildroot_image to an image of the same release.", tag, w.task.method))
		}
		w.warn("Koji-side configuration is not reproduced: the build root Koji made from build tag %s is replaced by a container image (buildroot_image), and the builders' kojid.conf is not known", tag)
	} else if w.task.method == "image" {
		w.notes = append(w.notes, "Koji-side configuration this recipe cannot carry: the builders' kojid.conf and their Oz and ImageFactory settings (oz.cfg, imagefactory.conf); imgpipe's guest-install, boot-verify and convert stages stand for Oz and ImageFactory.")
		w.warn("Koji-side configuration is not reproduced: the builders' kojid.conf and their Oz and ImageFactory settings are not known to the hub's clients")
	}

	blk := hclwrite.NewBlock(presetOf[w.task.method], []string{w.req.name})
	body := blk.Body()
	for _, a := range attrs {
		if a.opt != "" {
			used[a.opt] = true
		}
		switch a.name {
		case "version":
			body.SetAttributeValue(a.name, cty.StringVal(w.req.version))
		case "release":
			if w.releaseNote != "" {
				comment(body, w.releaseNote)
			}
			if w.release != "" {
				body.SetAttributeValue(a.name, cty.StringVal(w.release))
			}
		case "target":
			body.SetAttributeValue(a.name, cty.StringVal(w.req.target))
		case "install_tree":
			body.SetAttributeValue(a.name, cty.StringVal(w.req.treeOrKS))
		case "arches":
			body.SetAttributeValue(a.name, strList(w.req.arches))
		case "kickstart":
			ks := w.req.treeOrKS
			if w.task.method == "image" {
				ks, _ = toString(o["kickstart"])
			}
			if w.kickstartNote != "" {
				comment(body, w.kickstartNote)
			}
			if w.kickstart != "" {
				ks = w.kickstart
			}
			body.SetAttributeValue(a.name, cty.StringVal(ks))
		case "ksurl":
			if w.ksurl != "" {
				if w.ksurlNote != "" {
					comment(body, w.ksurlNote)
				}
				body.SetAttributeValue(a.name, cty.StringVal(w.ksurl))
			}
		case "repo":
			repos, _ := toList(o["repo"])
			if len(repos) > 0 {
				body.SetAttributeValue(a.name, strList(repos))
			} else if len(w.tagRepo) > 0 {
				for _, n := range w.tagRepoNotes {
					comment(body, n)
				}
				body.SetAttributeValue(a.name, strList(w.tagRepo))
			}
		case "buildroot_image":
			if image != "" {
				body.SetAttributeValue(a.name, cty.StringVal(image))
			}
		default:
			w.setOpt(body, a, o[a.opt])
		}
	}
	if w.task.method == "image" {
		w.setMap(body, "ova_options", o["ova_option"], splitOVA)
		w.setMap(body, "factory_parameters", o["factory_parameter"], splitPair)
	}
	var rest []string
	for k, v := range o {
		if !used[k] && !empty(v) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	if len(rest) > 0 {
		body.AppendNewline()
		for _, k := range rest {
			comment(body, fmt.Sprintf("Not carried: the task's option %s = %s has no %s attribute.", k, show(o[k]), presetOf[w.task.method]))
			w.warn("task %d's option %s = %s has no %s attribute: the recipe leaves it out (a comment says so)", w.task.id, k, show(o[k]), presetOf[w.task.method])
		}
	}

	for _, l := range w.header() {
		comment(root, l)
	}
	for _, n := range w.notes {
		comment(root, n)
	}
	root.AppendNewline()
	root.AppendBlock(blk)
	return hclwrite.Format(f.Bytes())
}

func (w *writer) header() []string {
	h := []string{fmt.Sprintf("Replayed by imgpipe koji replay from Koji task %d (%s, %s)", w.task.id, w.task.method, stateName(w.task.state))}
	if w.opts.Hub != "" {
		h[0] += " on " + w.opts.Hub
	}
	h[0] += "."
	if w.asked != w.task.id {
		h = append(h, fmt.Sprintf("Asked for task %d, a child of it.", w.asked))
	}
	if len(w.kids) > 0 {
		var ks []string
		for _, c := range w.kids {
			ks = append(ks, fmt.Sprintf("%d (%s, %s)", c.task.id, c.arch, stateName(c.task.state)))
		}
		h = append(h, fmt.Sprintf("Its %s tasks: %s.", childMethod[w.task.method], strings.Join(ks, ", ")))
	}
	return h
}

func (w *writer) setOpt(body *hclwrite.Body, a attrSpec, v any) {
	if empty(v) {
		return
	}
	switch a.kind {
	case optBool:
		if truthy(v) {
			body.SetAttributeValue(a.name, cty.True)
		}
	case optList:
		l, err := toList(v)
		if err != nil {
			w.notCarried(body, a.opt, v, err.Error())
			return
		}
		if len(l) > 0 {
			body.SetAttributeValue(a.name, strList(l))
		}
	default:
		s, ok := toString(v)
		if !ok {
			w.notCarried(body, a.opt, v, "it is "+typeName(v)+", not a string")
			return
		}
		body.SetAttributeValue(a.name, cty.StringVal(s))
	}
}

func (w *writer) notCarried(body *hclwrite.Body, opt string, v any, why string) {
	comment(body, fmt.Sprintf("Not carried: the task's option %s = %s: %s.", opt, show(v), why))
	w.warn("task %d's option %s = %s cannot be written: %s", w.task.id, opt, show(v), why)
}

// setMap writes ova_options or factory_parameters from the task's
// ova_option ("key=value" strings) or factory_parameter ([key, value]
// pairs), in the task's order.
func (w *writer) setMap(body *hclwrite.Body, name string, v any, split func(any) (string, string, bool)) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		if !empty(v) {
			w.notCarried(body, name, v, "it is "+typeName(v)+", not a list")
		}
		return
	}
	var items []hclwrite.ObjectAttrTokens
	for _, e := range list {
		k, val, ok := split(e)
		if !ok {
			w.notCarried(body, name, e, "not a key and a value")
			continue
		}
		key := hclwrite.TokensForValue(cty.StringVal(k))
		if hclsyntax.ValidIdentifier(k) {
			key = hclwrite.TokensForIdentifier(k)
		}
		items = append(items, hclwrite.ObjectAttrTokens{Name: key, Value: hclwrite.TokensForValue(cty.StringVal(val))})
	}
	if len(items) > 0 {
		body.AppendNewline()
		body.SetAttributeRaw(name, hclwrite.TokensForObject(items))
	}
}

// splitOVA reads an ova_option as Koji's builder does: key=value, split at
// the first "=".
func splitOVA(e any) (string, string, bool) {
	s, ok := e.(string)
	if !ok {
		return "", "", false
	}
	return strings.Cut(s, "=")
}

func splitPair(e any) (string, string, bool) {
	p, ok := e.([]any)
	if !ok || len(p) != 2 {
		return "", "", false
	}
	k, ok1 := toString(p[0])
	v, ok2 := toString(p[1])
	return k, v, ok1 && ok2
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case bool:
		return !x
	}
	return false
}

func show(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, show(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

func strList(l []string) cty.Value {
	vals := make([]cty.Value, len(l))
	for i, s := range l {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// comment appends "# text" lines, wrapped at about 96 columns.
func comment(body *hclwrite.Body, text string) {
	var lines []string
	line := "#"
	for _, word := range strings.Fields(text) {
		if len(line) > 1 && len(line)+1+len(word) > 96 {
			lines = append(lines, line)
			line = "#"
		}
		line += " " + word
	}
	lines = append(lines, line)
	for _, l := range lines {
		body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(l + "\n")}})
	}
}
