package convert

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

func validate(c *kind.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	errorf := func(attr, summary, format string, args ...any) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: c.Range(attr)})
	}
	warnf := func(attr, summary, format string, args ...any) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: c.Range(attr)})
	}

	var formats []string
	if v := c.Get("formats"); v.IsKnown() && !v.IsNull() {
		if v.LengthInt() == 0 {
			errorf("formats", "No formats", "formats needs at least one of %s.", strings.Join(knownFormats, ", "))
		}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsKnown() || e.IsNull() {
				continue
			}
			name := e.AsString()
			switch {
			case formatByName[name].build == nil:
				errorf("formats", "Unknown format", "%q is not one of Koji's image formats (%s) or vhdx.%s",
					name, strings.Join(knownFormats[:len(knownFormats)-1], ", "), suggest.DidYouMean(name, knownFormats))
			case slices.Contains(formats, name):
				warnf("formats", "Duplicate format", "%q is listed more than once; it is made once.", name)
			default:
				formats = append(formats, name)
			}
		}
	}
	fixedWarnings := func(attr, k, v string) {
		for _, f := range formats {
			if fixed, ok := fixedParams[f][k]; ok && v != fixed {
				warnf(attr, "Option ignored for "+f, "Koji sets %s = %q for %s itself; the value %q applies to the other formats only.", k, fixed, f, v)
			}
		}
	}
	hasVagrant := slices.ContainsFunc(formats, func(f string) bool { return strings.HasPrefix(f, "vagrant-") })

	ova := stringMap(c.Get("ova"))
	for _, k := range sortedKeys(ova) {
		if !slices.Contains(ovaKeys, k) {
			warnf("ova", "Unknown ova option", "%q is not an option of ImageFactory's OVF packages; it is ignored, as Koji ignores it.%s",
				k, suggest.DidYouMean(k, ovaKeys))
			continue
		}
		if msg := checkValue(k, ova[k]); msg != "" {
			errorf("ova", "Invalid ova option", "%s", msg)
		}
		fixedWarnings("ova", k, ova[k])
	}

	factory := stringMap(c.Get("factory"))
	for _, k := range sortedKeys(factory) {
		v := factory[k]
		if !slices.Contains(factoryKeys, k) {
			warnf("factory", "Unknown factory parameter", "%q is not a parameter convert, guest-install or ImageFactory's Docker and OVA plugins read; it is ignored.%s",
				k, suggest.DidYouMean(k, factoryKeys))
			continue
		}
		if msg := checkValue(k, v); msg != "" {
			errorf("factory", "Invalid factory parameter", "%s", msg)
		}
		fixedWarnings("factory", k, v)
		switch k {
		case "tar_options":
			warnf("factory", "Factory parameter not supported", "tar_options is ignored: imgpipe writes the docker layer itself, without tar.")
		case "dockerversion":
			if v != "1.10.1" {
				warnf("factory", "Factory parameter ignored", "dockerversion = %q is ignored: imgpipe always writes a docker-archive with manifest.json (what dockerversion 1.10.1 gives), which podman and docker load.", v)
			}
		case "compress":
			if v != "xz" {
				warnf("factory", "Factory parameter ignored", "compress = %q is ignored: Koji compresses docker images with xz (N-V-R.arch.tar.xz).", v)
			}
		case "docker_cmd", "docker_env", "docker_label", "docker_image_id", "repository", "tag", "tar_excludes":
			probe := map[string]string{k: v}
			if _, err := dockerParams(probe, "image", c.Arch); err != nil {
				errorf("factory", "Invalid factory parameter", "%v.", err)
			}
		}
	}

	if slices.Contains(formats, "vagrant-virtualbox") || (slices.Contains(formats, "vsphere-ova") && newParams(ova, factory, "vsphere-ova")["vsphere_ova_format"] == "vagrant-virtualbox") {
		// imagefactory_plugins/ovfcommon/ovfcommon.py
		// VirtualBoxOVFDescriptor.generate_ovf_xml fails the arch's task;
		// Koji then builds the others when the arch is in can_fail
		// (builder/kojid BuildBaseImageTask.handler, optional_arches).
		if _, _, err := virtualBoxOS(c.Arch); err != nil && c.Arch != kind.NoArch {
			if c.CanFail {
				warnf("formats", "Architecture will fail: "+c.Arch, "vagrant-virtualbox: %v, as in ImageFactory, so convert fails %s when it runs; %s is in can_fail, so the other architectures are built, as in Koji.", err, c.Arch, c.Arch)
			} else {
				errorf("formats", "Format not available for "+c.Arch, "vagrant-virtualbox: %v, as in ImageFactory. Remove the format or %s, or add %s to the build's can_fail to build the other architectures (as Koji would).", err, c.Arch, c.Arch)
			}
		}
	}
	if v := c.Get("vagrantfile"); v.IsKnown() && !v.IsNull() && len(formats) > 0 && !hasVagrant {
		warnf("vagrantfile", "Vagrantfile unused", "vagrantfile goes into vagrant boxes, and formats has no vagrant-* format.")
	}
	return diags
}

// checkValue checks an ova option's or factory parameter's value; it
// returns what is wrong, or "".
func checkValue(key, value string) string {
	if allowed, ok := enumKeys[key]; ok && value != "" && !slices.Contains(allowed, value) {
		return fmt.Sprintf("%s = %q: it is one of %s.%s", key, value, strings.Join(allowed, ", "), suggest.DidYouMean(value, allowed))
	}
	if slices.Contains(boolKeys, key) && value != "" {
		if _, ok := castBool(value); !ok {
			return fmt.Sprintf("%s = %q is not a boolean: true, false, yes, no, 1 or 0 (ImageFactory's parameter_cast_to_bool).", key, value)
		}
	}
	if slices.Contains(countKeys, key) && value != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(value)); err != nil || n <= 0 {
			return fmt.Sprintf("%s = %q is not a positive whole number.", key, value)
		}
	}
	if key == "ovf_name" && (strings.ContainsRune(value, '/') || value == "." || value == "..") {
		return fmt.Sprintf("ovf_name = %q: the name becomes file names inside the boxes, so it cannot contain a slash or be . or ..", value)
	}
	return ""
}

// stringMap returns a known map(string) value as a Go map; unknown or
// null values and unknown elements give what is known.
func stringMap(v cty.Value) map[string]string {
	out := map[string]string{}
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return out
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if !e.IsKnown() || e.IsNull() || e.Type() != cty.String {
			continue
		}
		out[k.AsString()] = e.AsString()
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
