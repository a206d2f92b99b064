package kojiexport_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/kojiexport"
)

// minimal is an image_build body with every key Koji needs.
const minimal = `
  version      = "1"
  target       = "t"
  arches       = ["x86_64", "aarch64"]
  distro       = "Fedora-41"
  kickstart    = "a.ks"
  ksurl        = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
`

func TestExportDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		errors     []string
		warnings   []string
		contains   string
	}{{
		name:     "booleans: true is True, false is left out",
		body:     minimal + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/"]` + "\nscratch = true\nskip_tag = false\n",
		contains: "scratch = True\n",
	}, {
		name:     "repo_mode other than override",
		body:     minimal + `install_tree = "https://e/$arch/"` + "\nrepo_mode = \"keep\"\n",
		warnings: []string{"repo_mode has no Koji option"},
	}, {
		name:   "Koji needs target",
		body:   strings.Replace(minimal, `target       = "t"`, "", 1) + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/"]` + "\n",
		errors: []string{"Koji needs target"},
	}, {
		name:   "a value that differs per arch",
		body:   strings.Replace(minimal, `distro       = "Fedora-41"`, `distro = arch == "x86_64" ? "Fedora-41" : "Fedora-40"`, 1) + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/"]` + "\n",
		errors: []string{"Value depends on arch"},
	}, {
		name:     "${arch} in install_tree is Koji's $arch",
		body:     minimal + `install_tree = "https://e/${arch}/os/"` + "\n" + `repo = ["https://e/${arch}/"]` + "\n",
		contains: "install_tree = https://e/$arch/os/\n",
	}, {
		name:   "an install_tree Koji's $arch cannot say",
		body:   minimal + `install_tree = arch == "x86_64" ? "https://e/x/" : "https://e/a/"` + "\n" + `repo = ["https://e/"]` + "\n",
		errors: []string{"Value depends on arch"},
	}, {
		name:   "a comma inside a list item",
		body:   minimal + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/a,b/"]` + "\n",
		errors: []string{"Item cannot go into a comma list"},
	}, {
		name:   "a line break in a value",
		body:   minimal + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/"]` + "\nspecfile = \"a\\nb\"\n",
		errors: []string{"Value cannot go into the INI"},
	}, {
		name:   "ConfigParser lowercases keys",
		body:   minimal + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/"]` + "\nfactory_parameters = { Docker_Cmd = \"x\" }\n",
		errors: []string{"Key cannot go into the INI"},
	}, {
		name:     "= in an OVA option",
		body:     minimal + `install_tree = "https://e/$arch/"` + "\n" + `repo = ["https://e/"]` + "\nova_options = { ovf_name = \"a=b\" }\n",
		warnings: []string{"\"=\" in an OVA option"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planHCL(t, "r.hcl", []byte(`image_build "i" {`+tc.body+"}\n"))
			out, diags := kojiexport.INI(plan)
			if diff := cmp.Diff(tc.errors, summaries(diags, hcl.DiagError)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.warnings, summaries(diags, hcl.DiagWarning)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Filename != "r.hcl" {
					t.Errorf("%q has no range in the recipe", d.Summary)
				}
			}
			if !strings.Contains(string(out), tc.contains) {
				t.Errorf("output lacks %q:\n%s", tc.contains, out)
			}
			if strings.Contains(string(out), "False") || strings.Contains(string(out), "skip_tag") {
				t.Errorf("a false boolean was written:\n%s", out)
			}
		})
	}
}

func TestExportNotImageBuild(t *testing.T) {
	plan := planHCL(t, "r.hcl", []byte(`livemedia "l" {
  version = "1"
  release = "1"
  arches = ["x86_64"]
  kickstart = "a.ks"
  ksurl = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
  repo_mode = "keep"
}
`))
	if _, diags := kojiexport.INI(plan); !diags.HasErrors() || diags[0].Summary != "Not an image_build" {
		t.Errorf("diagnostics: %v", diags)
	}
}

// TestExportDiskSizeAsOz: export-koji writes only a disk_size Koji's Oz
// reads (oz/TDL.py _parse_disksize; Koji copies the value into the TDL,
// builder/kojid ImageBuildTask). The preset refuses the others when it can
// read the value; one that depends on arch reaches guest-install, which
// reads "4096M" itself, so the exporter checks again.
func TestExportDiskSizeAsOz(t *testing.T) {
	for size, refused := range map[string]bool{
		"20gib": false, "10gb": false, "8GiB": false, "20": false, // Oz accepts these
		"4096M": true, "20K": true, "20Gi": true, "1.5G": true, // "m", "k", "gi", ".5g": no Oz unit
	} {
		src := []byte(`image_build "i" {` + minimal + `install_tree = "https://e/$arch/"
  repo = ["https://e/"]
  disk_size = arch == "x86_64" ? "` + size + `" : "` + size + `"
}
`)
		plan := planHCL(t, "r.hcl", src)
		out, diags := kojiexport.INI(plan)
		got := summaries(diags, hcl.DiagError)
		if refused != slices.Contains(got, "disk_size Koji would refuse") || (!refused && len(got) > 0) {
			t.Errorf("disk_size %q: errors %v, want refused=%v", size, got, refused)
		}
		if !refused && !strings.Contains(string(out), "disk_size = "+size+"\n") {
			t.Errorf("disk_size %q not exported:\n%s", size, out)
		}
		for _, d := range diags {
			if d.Subject == nil || d.Subject.Filename != "r.hcl" || d.Subject.Start.Line != 10 {
				t.Errorf("%q at %v, want r.hcl line 10", d.Summary, d.Subject)
			}
		}
	}
}
