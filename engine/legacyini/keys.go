package legacyini

// Section names Koji's `image-build --config` reads; any other section is
// ignored by Koji. internal/kojiexport writes the same three.
const (
	SectionImageBuild = "image-build"
	SectionOVA        = "ova-options"
	SectionFactory    = "factory-parameters"
	defaultSection    = "DEFAULT"
)

var knownSections = []string{SectionImageBuild, SectionOVA, SectionFactory}

type keyKind int

const (
	kindString keyKind = iota
	kindList           // comma-separated: arches, can_fail, format, repo
	kindBool           // Koji: any non-empty value is true
)

// keyInfo is one [image-build] key. Its name is Koji's option dest, which is
// also the image_build preset's attribute.
type keyInfo struct {
	name     string
	kind     keyKind
	required bool
	// unusedLocally: kept for export-koji; the preset says so.
	unusedLocally bool
}

// Keys is the fixed order of the image_build attributes in the HCL that
// Upgrade writes, and of the [image-build] keys internal/kojiexport writes: the order of
// Koji's documented example (docs/source/image_build.rst and
// tests/test_cli/data/image-build-config.conf), with the keys it does not
// show placed beside their kin. "name" is the block's label in HCL.
var Keys = []string{
	"name", "version", "release", "target", "install_tree", "arches", "can_fail",
	"format", "distro", "repo", "disk_size", "ksversion", "kickstart", "ksurl",
	"specfile", "scratch", "skip_tag", "noverifyssl", "background",
}

var keyTable = map[string]keyInfo{
	"name":         {name: "name", required: true},
	"version":      {name: "version", required: true},
	"release":      {name: "release"},
	"target":       {name: "target", required: true, unusedLocally: true},
	"install_tree": {name: "install_tree", required: true},
	"arches":       {name: "arches", kind: kindList, required: true},
	"can_fail":     {name: "can_fail", kind: kindList},
	"format":       {name: "format", kind: kindList},
	"distro":       {name: "distro", required: true},
	"repo":         {name: "repo", kind: kindList},
	"disk_size":    {name: "disk_size"},
	"ksversion":    {name: "ksversion"},
	"kickstart":    {name: "kickstart", required: true},
	"ksurl":        {name: "ksurl"},
	"specfile":     {name: "specfile", unusedLocally: true},
	"scratch":      {name: "scratch", kind: kindBool},
	"skip_tag":     {name: "skip_tag", kind: kindBool, unusedLocally: true},
	"noverifyssl":  {name: "noverifyssl", kind: kindBool},
	"background":   {name: "background", kind: kindBool, unusedLocally: true},
}

// Required reports whether koji image-build cannot go without the
// [image-build] key name and, if so, what Koji does when it is missing.
func Required(name string) (why string, required bool) {
	if !keyTable[name].required {
		return "", false
	}
	return missingWhy(name), true
}

// cliOnlyKeys are option dests of `koji image-build` that change how the koji
// command behaves, not what it builds. Koji's --config accepts them; imgpipe
// accepts them with a warning and does not carry them into the recipe (Upgrade
// leaves a comment where they were).
var cliOnlyKeys = map[string]string{
	"wait":       "waits for the task to finish; imgpipe always runs the build to its end",
	"noprogress": "hides the koji CLI's upload progress bar; imgpipe shows its own progress (--progress)",
}

// refusedKeys are option dests Koji's --config would take but that cannot
// mean anything in the file; each is an error saying what to write instead.
var refusedKeys = map[string]string{
	"ova_option":        "Koji would set the option to the plain string and its builder would fail to read it. Put OVA options into an [ova-options] section, one key = value per line.",
	"factory_parameter": "Koji would set the option to the plain string and its builder would fail to read it. Put factory parameters into a [factory-parameters] section, one key = value per line.",
	"config":            "config is the command-line option that names this file; inside the file it means nothing. Remove it.",
}

// optionalArches is Koji's dest for can_fail.
const optionalArches = "optional_arches"

// koji's processing order of [image-build] (cli:handle_image_build): each of
// these is read and then removed from the section, so a later key cannot
// interpolate it; every other key is read last, from items().
var kojiReadOrder = []string{"name", "version", "target", "install_tree", "arches", "repo", "format", "can_fail"}

func readIndex(key string) int {
	for i, k := range kojiReadOrder {
		if k == key {
			return i
		}
	}
	return len(kojiReadOrder)
}

// knownKeyNames are the names "did you mean" picks from in [image-build].
func knownKeyNames() []string {
	names := append([]string{}, Keys...)
	names = append(names, optionalArches, "wait", "noprogress")
	return names
}
