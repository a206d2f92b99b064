package kojiexport

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// INI writes the `koji image-build --config` INI for an evaluated
// image_build preset block (engine.Plan.Preset): [image-build] with the
// attributes the recipe sets, in the order of legacyini.Keys (name first,
// from the block's label), lists joined with commas, true booleans as True
// and false ones left out (Koji takes any value as true), then
// [ova-options] and [factory-parameters] in key order. Every % is written %% for Koji's
// ConfigParser. A value the INI cannot hold is an error; an imgpipe-only
// setting that Koji cannot follow is a warning.
//
// A value that depends on the architecture is exported when Koji can say
// it: install_tree and repo with Koji's literal $arch where the recipe has
// ${arch} (Koji substitutes it per architecture), anything else when every
// architecture gives the same value. Otherwise it is an error.
func INI(plan *engine.Plan) ([]byte, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	p := plan.Preset
	if p == nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Not a preset recipe",
			Detail:   "Koji's INI describes an image_build block; this recipe has none.",
		}}
	}
	if p.Preset.Name != "image_build" {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Not an image_build",
			Detail:   fmt.Sprintf("Koji's INI (--config) exists only for image-build; a %s block exports as a koji command line.", p.Preset.Name),
			Subject:  p.Block.TypeRange.Ptr(),
		}}
	}
	c := p.Config
	var b strings.Builder
	b.WriteString("[" + legacyini.SectionImageBuild + "]\n")
	if p.Label == "" {
		diags = append(diags, errorAt(p.Block.LabelRange, "Empty name", "The image_build block's label is the build's name; Koji needs one."))
	}
	writeKey(&b, "name", p.Label)
	written := map[string]bool{}
	for _, name := range legacyini.Keys[1:] {
		if !c.Has(name) {
			continue
		}
		v, ok, d := exportValue(plan, name)
		diags = append(diags, d...)
		if !ok {
			continue
		}
		written[name] = true
		switch {
		case v.Type() == cty.Bool:
			if v.True() {
				writeKey(&b, name, "True")
			}
		case v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType():
			var items []string
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if e.IsNull() {
					continue
				}
				s := e.AsString()
				if strings.Contains(s, ",") || strings.TrimSpace(s) == "" {
					diags = append(diags, errorAt(*c.Range(name), "Item cannot go into a comma list",
						fmt.Sprintf("Koji reads %s as a comma-separated list, so it cannot hold the item %q.", name, s)))
				}
				items = append(items, s)
			}
			if len(items) > 0 {
				writeKey(&b, name, strings.Join(items, ","))
			}
		default:
			s := v.AsString()
			if d := checkValue(s); d != "" {
				diags = append(diags, errorAt(*c.Range(name), "Value cannot go into the INI", fmt.Sprintf("%s: %s", name, d)))
			}
			if name == "disk_size" {
				// Koji passes it unchanged to Oz (builder/kojid's TDL
				// template), whose oz/TDL.py _parse_disksize must read it.
				if _, err := kojifacts.OzDiskSize(s); err != nil {
					diags = append(diags, errorAt(*c.Range(name), "disk_size Koji would refuse", fmt.Sprintf("disk_size %v. Write it as Oz reads it, e.g. \"20\" (GiB), \"20GiB\" or \"4096MiB\".", err)))
				}
			}
			writeKey(&b, name, s)
		}
	}
	for _, name := range legacyini.Keys[1:] {
		if why, required := legacyini.Required(name); required && !written[name] && !c.Has(name) {
			diags = append(diags, errorAt(p.Block.DeclRange, "Koji needs "+name,
				fmt.Sprintf("koji image-build cannot go without %s (%s), and the recipe does not set it. Add %s to the image_build block.", name, why, name)))
		}
	}
	if mode := c.Get("repo_mode"); c.Has("repo_mode") && !mode.IsNull() && mode.IsKnown() && mode.AsString() != "override" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "repo_mode has no Koji option",
			Detail:   fmt.Sprintf("Koji's image-build always replaces the kickstart's repos (with repo, or with the build tag's repository), so the exported INI cannot say repo_mode = %q; Koji will build with its override.", mode.AsString()),
			Subject:  c.Range("repo_mode"),
		})
	}
	for _, sec := range []struct{ attr, name string }{{"ova_options", legacyini.SectionOVA}, {"factory_parameters", legacyini.SectionFactory}} {
		v, ok, d := exportValue(plan, sec.attr)
		diags = append(diags, d...)
		if !ok {
			continue
		}
		b.WriteString("\n[" + sec.name + "]\n")
		m := v.AsValueMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			val := m[k]
			if val.IsNull() {
				continue
			}
			s := val.AsString()
			if why := checkKey(k); why != "" {
				diags = append(diags, errorAt(*c.Range(sec.attr), "Key cannot go into the INI", fmt.Sprintf("%q: %s", k, why)))
			}
			if why := checkValue(s); why != "" {
				diags = append(diags, errorAt(*c.Range(sec.attr), "Value cannot go into the INI", fmt.Sprintf("%s: %s", k, why)))
			}
			if sec.name == legacyini.SectionOVA && strings.Contains(s, "=") {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "\"=\" in an OVA option",
					Detail:   fmt.Sprintf("Koji passes OVA options as %q and its builder splits them at every \"=\", so the Koji build will fail.", k+"="+s),
					Subject:  c.Range(sec.attr),
				})
			}
			writeKey(&b, k, s)
		}
	}
	return []byte(b.String()), diags
}

// exportValue returns the one value of a preset attribute Koji can take,
// false when the attribute is unset or has none.
func exportValue(plan *engine.Plan, name string) (cty.Value, bool, hcl.Diagnostics) {
	c := plan.Preset.Config
	v := c.Get(name)
	if !c.Has(name) || v.IsNull() {
		return v, false, nil
	}
	if v.IsWhollyKnown() {
		return v, true, nil
	}
	if name == "install_tree" || name == "repo" {
		if t, d := presetValue(plan, name, "$arch"); !d.HasErrors() && t.IsWhollyKnown() && substitutes(plan, name, t) {
			return t, true, nil
		}
	}
	if v, ok := presetValueForEveryArch(plan, name); ok {
		return v, true, nil
	}
	detail := fmt.Sprintf("Koji takes one %s for every architecture, and this value differs between them.", name)
	if name == "install_tree" || name == "repo" {
		detail += " Koji substitutes its literal $arch here: write the architecture as $arch or ${arch}, and nothing else that depends on it."
	}
	return v, false, hcl.Diagnostics{errorAt(*c.Range(name), "Value depends on arch", detail)}
}

// substitutes reports whether Koji's substitution of $arch in t gives, for
// every architecture, the value the recipe gives.
func substitutes(plan *engine.Plan, name string, t cty.Value) bool {
	for _, arch := range plan.Build.Arches {
		want, d := presetValue(plan, name, arch)
		if d.HasErrors() || !want.IsWhollyKnown() {
			return false
		}
		if !substArch(t, arch).RawEquals(substArch(want, arch)) {
			return false
		}
	}
	return true
}

// substArch replaces Koji's literal $arch in a string or list of strings,
// as the image_build preset does for each architecture.
func substArch(v cty.Value, arch string) cty.Value {
	if v.Type() == cty.String {
		return cty.StringVal(strings.ReplaceAll(v.AsString(), "$arch", arch))
	}
	var items []cty.Value
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		items = append(items, cty.StringVal(strings.ReplaceAll(e.AsString(), "$arch", arch)))
	}
	if len(items) == 0 {
		return v
	}
	return cty.ListVal(items)
}

func errorAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

// writeKey writes key = value with % escaped for ConfigParser.
func writeKey(b *strings.Builder, key, value string) {
	b.WriteString(key)
	b.WriteString(" = ")
	b.WriteString(strings.ReplaceAll(value, "%", "%%"))
	b.WriteByte('\n')
}

// checkValue says why ConfigParser would not read s back as it is, or "".
func checkValue(s string) string {
	switch {
	case strings.ContainsAny(s, "\n\r"):
		return "an INI value cannot hold a line break"
	case s != strings.TrimSpace(s):
		return "Koji's ConfigParser strips whitespace at the start and end of a value"
	}
	return ""
}

// checkKey says why ConfigParser would not read key back as it is, or "".
func checkKey(key string) string {
	switch {
	case key == "":
		return "an INI key cannot be empty"
	case key != strings.ToLower(key):
		return "Koji's ConfigParser lowercases keys; write it in lower case"
	case strings.ContainsAny(key, "=:\n\r"):
		return "an INI key cannot hold \"=\", \":\" or a line break"
	case key != strings.TrimSpace(key), strings.HasPrefix(key, "["), strings.HasPrefix(key, "#"), strings.HasPrefix(key, ";"):
		return "an INI key cannot start with whitespace, \"[\", \"#\" or \";\" or end with whitespace"
	}
	return ""
}
