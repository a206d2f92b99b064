package convert

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ovaKeys are the [ova-options] keys ImageFactory's OVA plugin passes to its
// OVF package classes (docs/koji-behaviour.md#ova-options), and the four that choose the
// package and disk format.
var ovaKeys = []string{
	"ovf_name", "ovf_cpu_count", "ovf_memory_mb",
	"rhevm_description", "rhevm_default_display_type", "rhevm_os_descriptor",
	"vsphere_product_name", "vsphere_product_vendor_name", "vsphere_product_version",
	"vsphere_virtual_system_type", "vsphere_scsi_controller_type", "vsphere_network_controller_type",
	"vsphere_nested_virt", "vsphere_cdrom", "vsphere_os_type",
	"fusion_scsi_controller_type", "fusion_network_controller_type", "fusion_nested_virt",
	"hyperv_vagrant", "vagrant_sync_directory",
	"rhevm_ova_format", "vsphere_ova_format", "hyperv_ova_format", "vsphere_vmdk_format",
}

// dockerKeys are the factory parameters ImageFactory's Docker plugin reads
// (docs/koji-behaviour.md#factory-parameters).
var dockerKeys = []string{
	"docker_cmd", "docker_env", "docker_label", "docker_set_arch_label",
	"repository", "tag", "docker_image_id", "dockerversion", "comment", "os",
	"tar_options", "tar_excludes", "create_docker_metadata", "compress",
}

// baseKeys are factory parameters of ImageFactory's base image, not of a
// target image: the image_build preset applies oz_overrides and
// generate_icicle to its guest-install and boot-verify stages
// (stages/koji/ozoverrides.go), and offline_icicle has no counterpart
// (boot-verify always lists packages by booting). Koji merges them into
// every target image's options too, so convert accepts and ignores them.
var baseKeys = []string{"generate_icicle", "offline_icicle", "oz_overrides"}

// factoryKeys are the factory parameters convert knows: Koji merges them
// into the options of every target image, so ova-option keys count too.
var factoryKeys = slices.Concat(dockerKeys, baseKeys, ovaKeys)

// enumKeys are the ova keys with a fixed set of values.
var enumKeys = map[string][]string{
	"rhevm_ova_format":    {"rhevm", "vagrant-libvirt"},
	"vsphere_ova_format":  {"vsphere", "vagrant-virtualbox", "vagrant-vmware-fusion"},
	"hyperv_ova_format":   {"hyperv-vagrant", "hyperv"},
	"vsphere_vmdk_format": {"streaming", "standard"},
}

// boolKeys are read with ImageFactory's parameter_cast_to_bool.
var boolKeys = []string{"vsphere_nested_virt", "vsphere_cdrom", "fusion_nested_virt", "hyperv_vagrant",
	"docker_set_arch_label", "create_docker_metadata"}

// countKeys must be whole numbers.
var countKeys = []string{"ovf_cpu_count", "ovf_memory_mb"}

// fixedParams are the options Koji forces for the vagrant formats (its
// _buildOVA fixed_params): ova-options and factory parameters cannot change
// them.
var fixedParams = map[string]map[string]string{
	"vagrant-libvirt":       {"rhevm_ova_format": "vagrant-libvirt"},
	"vagrant-virtualbox":    {"vsphere_ova_format": "vagrant-virtualbox"},
	"vagrant-vmware-fusion": {"vsphere_ova_format": "vagrant-vmware-fusion", "vsphere_vmdk_format": "standard"},
	"vagrant-hyperv":        {"hyperv_ova_format": "hyperv-vagrant"},
}

// params are the options of one format's target image: the ova options,
// then the factory parameters over them (Koji's _mergeFactoryParams), then
// the format's fixed parameters.
type params map[string]string

func newParams(ova, factory map[string]string, format string) params {
	p := params{}
	maps.Copy(p, ova)
	maps.Copy(p, factory)
	maps.Copy(p, fixedParams[format])
	return p
}

// get returns the value of key, or def when it is unset or empty:
// ImageFactory passes a parameter to its classes only when it is truthy.
func (p params) get(key, def string) string {
	if v := p[key]; v != "" {
		return v
	}
	return def
}

// boolean reads a bool parameter as ImageFactory's parameter_cast_to_bool
// does; Validate has refused values it cannot read.
func (p params) boolean(key string, def bool) bool {
	v, ok := castBool(p.get(key, ""))
	if !ok {
		return def
	}
	return v
}

// castBool is ImageFactory's parameter_cast_to_bool for strings: yes, true,
// 1 and no, false, 0, in any case.
func castBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1":
		return true, true
	case "no", "false", "0":
		return false, true
	}
	return false, false
}

// number reads a count parameter; Validate has refused values that are not
// whole numbers.
func (p params) number(key string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(p.get(key, "")))
	if err != nil || n <= 0 {
		return def
	}
	return n
}

// dockerOptions are the Docker plugin's factory parameters, read.
type dockerOptions struct {
	Cmd, Env   []string
	Labels     map[string]string
	Repository string
	Tag        string
	ImageID    string // "" means derived from the layer
	Comment    string
	OS         string
	Excludes   []string
	Metadata   bool
}

var imageIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// dockerParams reads the docker factory parameters; base is the image's
// N-V-R.arch, the default repository, and arch the build's architecture,
// for docker_set_arch_label. Errors name the key.
func dockerParams(factory map[string]string, base, arch string) (dockerOptions, error) {
	p := params(factory)
	o := dockerOptions{
		Repository: strings.ToLower(p.get("repository", base)),
		Tag:        p.get("tag", "latest"),
		Comment:    p.get("comment", "Created by Image Factory"),
		OS:         p.get("os", "linux"),
		Metadata:   true,
	}
	if v, ok := factory["create_docker_metadata"]; ok {
		b, ok := castBool(v)
		if !ok {
			return o, fmt.Errorf("create_docker_metadata = %q is not a boolean (true, false, yes, no, 1, 0)", v)
		}
		o.Metadata = b
	}
	var err error
	if o.Cmd, err = jsonStrings(factory, "docker_cmd"); err != nil {
		return o, err
	}
	if o.Env, err = jsonStrings(factory, "docker_env"); err != nil {
		return o, err
	}
	if v := factory["docker_label"]; v != "" && v != "null" {
		if err := json.Unmarshal([]byte(v), &o.Labels); err != nil {
			return o, fmt.Errorf(`docker_label must be a JSON object of strings, like {"name": "fedora"}: %v`, err)
		}
	}
	if v, ok := factory["docker_set_arch_label"]; ok && v != "" {
		set, ok := castBool(v)
		if !ok {
			return o, fmt.Errorf("docker_set_arch_label = %q is not a boolean (true, false, yes, no, 1, 0)", v)
		}
		if set {
			if o.Labels == nil {
				o.Labels = map[string]string{}
			}
			o.Labels["architecture"] = arch
		}
	}
	if v := factory["docker_image_id"]; v != "" {
		if !imageIDPattern.MatchString(v) {
			return o, fmt.Errorf("docker_image_id = %q is not 64 lowercase hexadecimal digits", v)
		}
		o.ImageID = v
	}
	if err := checkReference(o.Repository, o.Tag); err != nil {
		return o, err
	}
	excludes := "./etc/fstab"
	if v, ok := factory["tar_excludes"]; ok {
		excludes = v
	}
	for _, e := range strings.Split(excludes, ",") {
		if e = strings.TrimSpace(e); e != "" {
			o.Excludes = append(o.Excludes, e)
		}
	}
	return o, nil
}

// jsonStrings reads a factory parameter holding a JSON list of strings, as
// ImageFactory pastes it into the image's JSON; "null" and unset are nil.
func jsonStrings(factory map[string]string, key string) ([]string, error) {
	v := factory[key]
	if v == "" || v == "null" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf(`%s must be a JSON list of strings, like ["/bin/bash"]: %v`, key, err)
	}
	return out, nil
}

var (
	repoPattern = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	tagPattern  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// checkReference refuses a repository or tag a container engine would not
// load (the docker reference grammar, without a registry host).
func checkReference(repo, tag string) error {
	if !repoPattern.MatchString(repo) {
		return fmt.Errorf("repository %q is not a valid image name (lowercase letters, digits, and . _ - / between them)", repo)
	}
	if !tagPattern.MatchString(tag) {
		return fmt.Errorf("tag %q is not a valid image tag", tag)
	}
	return nil
}
