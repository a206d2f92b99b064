package koji

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/suggest"
)

// The factory parameters of the base image that the image_build preset
// applies to guest-install and boot-verify. Koji passes every
// [factory-parameters] key to ImageFactory's base image (builder/kojid
// _buildBase, _mergeFactoryParams: only install_script is fixed), where
// TinMan reads them (imagefactory_plugins/TinMan/TinMan.py).
const (
	paramOzOverrides    = "oz_overrides"
	paramGenerateIcicle = "generate_icicle"
)

// ozSettings are the oz.cfg keys (oz.cfg, and oz/Guest.py's constructor,
// which reads them) by section, and what imgpipe does with each: "" when
// the preset applies it, else why it has no effect here.
var ozSettings = map[string]map[string]string{
	"libvirt": {
		"memory": "", "cpus": "",
		"uri":             "imgpipe runs QEMU itself, without libvirt",
		"type":            "imgpipe chooses the accelerator itself (guest-install's accel)",
		"bridge_name":     "the install VM uses QEMU's user network",
		"image_type":      "guest-install always installs onto a raw disk, which Koji's raw image is",
		"rng_model":       "imgpipe's VM has QEMU's default virtio-rng",
		"rng_device":      "imgpipe's VM has QEMU's default virtio-rng",
		"rng_rate_bytes":  "imgpipe's VM has QEMU's default virtio-rng",
		"rng_rate_period": "imgpipe's VM has QEMU's default virtio-rng",
	},
	"timeouts": {
		"install": "", "inactivity": "", "boot": "",
		"shutdown": "boot-verify discards its throw-away VM instead of shutting it down",
	},
	"paths": {
		"output_dir":     "ImageFactory sets it itself, and imgpipe keeps its files in its store",
		"data_dir":       "imgpipe keeps its files in its store",
		"screenshot_dir": "imgpipe keeps screenshots in the stage's run directory",
		"sshprivkey":     "imgpipe reads the guest's packages over its serial console, not SSH",
	},
	"cache": {
		"original_media": "imgpipe caches by content in its store",
		"modified_media": "imgpipe caches by content in its store",
		"jeos":           "imgpipe caches by content in its store",
	},
	"icicle": {
		"safe_generation": "boot-verify always boots a throw-away overlay, which is what safe generation does",
	},
}

// ozApplied are the settings of oz_overrides the preset applies, as
// positive whole numbers, "" when unset: memory in MiB (oz.cfg's memory),
// cpus, and the install, inactivity and boot timeouts in seconds.
type ozApplied struct {
	memory, cpus, install, inactivity, boot string
}

// parseOzOverrides reads oz_overrides as TinMan does: json.loads of the
// value with every ' replaced by ", an object of oz.cfg sections, each an
// object of keys whose values are set with str(val). Oz's stock oz.cfg
// has the sections of ozSettings, and ConfigParser.set refuses any other
// (NoSectionError, the build fails); keys are lower-cased
// (ConfigParser.optionxform). Oz reads memory and the timeouts with int()
// and puts cpus into the domain's <vcpu>.
func parseOzOverrides(value string, rng hcl.Range) (ozApplied, hcl.Diagnostics) {
	var (
		out   ozApplied
		diags hcl.Diagnostics
	)
	dec := json.NewDecoder(strings.NewReader(strings.ReplaceAll(value, "'", `"`)))
	dec.UseNumber()
	var top map[string]json.RawMessage
	err := dec.Decode(&top)
	switch {
	case err != nil:
	case top == nil:
		err = fmt.Errorf("null is not an object")
	case dec.Decode(new(json.RawMessage)) != io.EOF:
		err = fmt.Errorf("text after the object")
	}
	if err != nil {
		return out, hcl.Diagnostics{errorf(&rng, "Invalid oz_overrides",
			"ImageFactory reads oz_overrides as JSON (with ' read as \"), an object of oz.cfg sections, each an object of settings, e.g. {'libvirt': {'memory': 4096, 'cpus': 2}, 'timeouts': {'install': 3600}}; here: %v, so Koji's build would fail.", err)}
	}
	sections := make([]string, 0, len(top))
	for s := range top {
		sections = append(sections, s)
	}
	slices.Sort(sections)
	known := make([]string, 0, len(ozSettings))
	for s := range ozSettings {
		known = append(known, s)
	}
	slices.Sort(known)
	for _, section := range sections {
		var settings map[string]json.RawMessage
		if err := json.Unmarshal(top[section], &settings); err != nil || settings == nil {
			diags = append(diags, errorf(&rng, "Invalid oz_overrides",
				"oz_overrides[%q] must be an object of settings, e.g. {'memory': 4096}; ImageFactory calls .items() on it, so Koji's build would fail.", section))
			continue
		}
		keys, ok := ozSettings[section]
		switch {
		case !ok && section == "DEFAULT":
			// ConfigParser's defaults reach every section that does not
			// set the key itself, which depends on the builder's oz.cfg.
			diags = append(diags, warnf(&rng, "oz_overrides setting not applied",
				"[DEFAULT] settings reach only the oz.cfg sections of Koji's builder that do not set them, which imgpipe cannot know; set them in [libvirt] or [timeouts] instead."))
			continue
		case !ok && len(settings) == 0:
			continue // nothing is set, so ConfigParser does not look for the section
		case !ok:
			diags = append(diags, errorf(&rng, "Unknown oz.cfg section in oz_overrides",
				"oz.cfg has no section %q, so ImageFactory's ConfigParser.set fails and so would Koji's build.%s Sections: %s.", section, suggest.DidYouMean(section, known), strings.Join(known, ", ")))
			continue
		}
		names := make([]string, 0, len(settings))
		for k := range settings {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, name := range names {
			key := strings.ToLower(name)
			why, ok := keys[key]
			switch {
			case !ok:
				all := make([]string, 0, len(keys))
				for k := range keys {
					all = append(all, k)
				}
				slices.Sort(all)
				diags = append(diags, warnf(&rng, "Unknown oz.cfg setting in oz_overrides",
					"Oz reads no [%s] %s, so it changes nothing, in Koji or here.%s Settings of [%s]: %s.", section, name, suggest.DidYouMean(key, all), section, strings.Join(all, ", ")))
				continue
			case why != "":
				diags = append(diags, warnf(&rng, "oz_overrides setting not applied",
					"[%s] %s changes Koji's Oz, but has no effect here: %s.", section, name, why))
				continue
			}
			n, err := ozInt(settings[name])
			if err != nil {
				diags = append(diags, errorf(&rng, "Invalid oz_overrides setting",
					"[%s] %s: %v. Oz needs a positive whole number (%s).", section, name, err, ozUnit[key]))
				continue
			}
			switch key {
			case "memory":
				out.memory = n
			case "cpus":
				out.cpus = n
			case "install":
				out.install = n
			case "inactivity":
				out.inactivity = n
			case "boot":
				out.boot = n
			}
		}
	}
	return out, diags
}

// ozUnit is the unit of each applied setting, for messages.
var ozUnit = map[string]string{
	"memory": "MiB", "cpus": "CPUs", "install": "seconds", "inactivity": "seconds", "boot": "seconds",
}

// ozInt reads a setting as Oz would after TinMan's str(val): a JSON
// integer, or a string holding one (Python's int() takes surrounding
// whitespace); 4096.0 and true are str()'d to "4096.0" and "True", which
// int() refuses. imgpipe also refuses 0 and negative numbers, which no VM
// can run with.
func ozInt(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return "", fmt.Errorf("%s is not a number", raw)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%s is not a whole number", raw)
	}
	if n <= 0 {
		return "", fmt.Errorf("%s is not positive", raw)
	}
	return strconv.FormatInt(n, 10), nil
}

// imageFactoryBool is ImageFactory's parameter_cast_to_bool for a string
// (imgfac/FactoryUtils.py): "yes", "true", "1" and "no", "false", "0" in
// any case, and None (false in an if) for anything else, spaces included.
func imageFactoryBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "yes", "true", "1":
		return true, true
	case "no", "false", "0":
		return false, true
	}
	return false, false
}

// factoryParam returns a [factory-parameters] value and the range of its
// entry (the INI line, for an INI), when factory_parameters is known.
func (x *expander) factoryParam(key string) (string, hcl.Range, bool) {
	m := x.b.Config.Get("factory_parameters")
	if m.IsNull() || !m.IsKnown() || !m.Type().IsMapType() {
		return "", hcl.Range{}, false
	}
	v, ok := m.AsValueMap()[key]
	if !ok || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return "", hcl.Range{}, false
	}
	rng := x.rng("factory_parameters")
	if e, ok := x.expr("factory_parameters"); ok {
		if obj, ok := e.(*hclsyntax.ObjectConsExpr); ok {
			for _, it := range obj.Items {
				if k, d := it.KeyExpr.Value(nil); !d.HasErrors() && k.Type() == cty.String && k.IsKnown() && k.AsString() == key {
					rng = it.ValueExpr.Range()
				}
			}
		}
	}
	return v.AsString(), rng, true
}

// applyBaseImageParams applies oz_overrides and generate_icicle to the
// install and verify stages' bodies; it returns verify's timeout, nil for
// the default.
func (x *expander) applyBaseImageParams(install, verify *body) (verifyTimeout hclsyntax.Expression) {
	if s, rng, ok := x.factoryParam(paramOzOverrides); ok {
		oz, diags := parseOzOverrides(s, rng)
		x.diags = append(x.diags, diags...)
		if oz.memory != "" {
			install.set("memory", str(oz.memory, rng))
			verify.set("memory", str(oz.memory, rng))
		}
		if oz.cpus != "" {
			n, _ := strconv.Atoi(oz.cpus)
			install.set("cpus", lit(cty.NumberIntVal(int64(n)), rng))
			verify.set("cpus", lit(cty.NumberIntVal(int64(n)), rng))
		}
		if oz.install != "" {
			install.set("install_timeout", str(oz.install+"s", rng))
		}
		if oz.inactivity != "" {
			install.set("inactivity_timeout", str(oz.inactivity+"s", rng))
		}
		if oz.boot != "" {
			verifyTimeout = str(oz.boot+"s", rng)
		}
	}
	if s, rng, ok := x.factoryParam(paramGenerateIcicle); ok {
		generate, known := imageFactoryBool(s)
		if !known {
			x.diags = append(x.diags, warnf(&rng, "generate_icicle read as false",
				"ImageFactory's parameter_cast_to_bool reads only yes, true, 1 and no, false, 0 (any case); %q gives None, which TinMan takes as false: no package list. Write \"false\" to say so, or remove generate_icicle.", s))
		}
		if !generate {
			// TinMan then records an empty icicle ("<icicle></icicle>"):
			// the build lists no packages. boot-verify still boots.
			verify.set("icicle", str("", rng))
		}
	}
	return verifyTimeout
}
