package main

import (
	"github.com/imgpipe/imgpipe/internal/kojidiff"

	"bytes"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/kojihub/kojihubtest"
)

// kojiDiffQuickstart runs `imgpipe koji diff` on the quickstart build that
// TestBootQuickstart published (x86_64), against the fake hub's
// quickstart scenario: a task whose images and packages are the
// quickstart's is the same (exit 0); Koji's build with one package added,
// one removed and one upgraded differs (exit 1), and says how. It checks
// too that the scenario's package list is the one a quickstart installs.
func kojiDiffQuickstart(t *testing.T, storeDir string) {
	hub := kojihubtest.New(t, kojihubtest.Scenario("quickstart"))
	diff := func(args ...string) (string, int) {
		t.Helper()
		cmd := imgpipeCmd(append([]string{"koji", "diff", "--hub", hub.URL, "--store", storeDir}, args...)...)
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+hub.CAFile)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if stderr.Len() > 0 {
			t.Errorf("koji diff %v: stderr:\n%s", args, stderr.String())
		}
		return stdout.String(), code
	}

	out, code := diff("1006")
	want := `Koji's task 1006 (quickstart-1-1) against the local build quickstart-1-1
x86_64: files: 3 images the same; packages: 0 added, 0 removed, 0 changed, 7 the same
The builds are the same.
`
	if code != 0 || out != want {
		t.Errorf("koji diff 1006: exit %d\n%s\nwant exit 0\n%s", code, out, want)
	}

	out, code = diff("quickstart-1-1", "quickstart-1-1")
	want = `Koji's build quickstart-1-1 against the local build quickstart-1-1
x86_64: files: 3 images the same; packages: 1 added, 1 removed, 1 changed, 5 the same
  + tree 2.1.0-2.fx1 x86_64
  - nano 7.2-1.fx1 x86_64
  ~ hello noarch: 2.12-1.fx1 -> 2.12.1-1.fx1
The builds differ (+ only in the local build, - only in Koji's, ~ Koji's -> local).
`
	if code != 1 || out != want {
		t.Errorf("koji diff quickstart-1-1: exit %d\n%s\nwant exit 1\n%s", code, out, want)
	}
}

// Packages are matched by name and arch: a sigmd5 that differs at the same
// version is a change when both sides have one, several versions of one
// name and arch (kernels) are matched version by version, and a side with
// no package list is not compared.
func TestDiffPackages(t *testing.T) {
	one := int64(1)
	rpm := func(name, version, arch, sigmd5 string) kojihub.RPM {
		return kojihub.RPM{Name: name, Version: version, Release: "1", Arch: arch, Payloadhash: sigmd5}
	}
	local := func(name, version, arch, sigmd5 string) store.BuildPackage {
		return store.BuildPackage{Name: name, Version: version, Release: "1", Arch: arch, Payloadhash: sigmd5}
	}
	ka := &kojiArch{Packages: []kojihub.RPM{
		rpm("a", "1", "x86_64", "aaaa"),
		rpm("b", "1", "x86_64", "bbbb"),
		rpm("c", "1", "x86_64", ""),
		rpm("kernel", "6.1", "x86_64", "k1"), rpm("kernel", "6.2", "x86_64", "k2"),
		rpm("d", "1", "i686", "dddd"),
	}}
	ka.Packages[1].Epoch = &one
	la := &store.ArchMetadata{Packages: []store.BuildPackage{
		local("a", "1", "x86_64", "AAAA"), // the same, in another case
		local("b", "1", "x86_64", "bbbb"), // the epoch differs: changed
		local("c", "1", "x86_64", "cccc"), // no sigmd5 in Koji: the same
		local("kernel", "6.2", "x86_64", "k2"), local("kernel", "6.3", "x86_64", "k3"), local("kernel", "6.4", "x86_64", "k4"),
		local("d", "1", "x86_64", "dddd"), // another arch: added, and d.i686 removed
	}}
	la.Packages[0].Payloadhash = "aaaa"
	var ad kojidiff.Arch
	diffArch(&ad, ka, la)
	p := ad.Packages
	names := func(pkgs []kojidiff.Package) (out []string) {
		for _, q := range pkgs {
			out = append(out, q.Name+"-"+q.EVR()+"."+q.Arch)
		}
		return out
	}
	if !p.Compared || p.Same != 3 ||
		!slices.Equal(names(p.Added), []string{"d-1-1.x86_64", "kernel-6.3-1.x86_64", "kernel-6.4-1.x86_64"}) ||
		!slices.Equal(names(p.Removed), []string{"d-1-1.i686", "kernel-6.1-1.x86_64"}) ||
		len(p.Changed) != 1 || p.Changed[0].Koji.EVR() != "1:1-1" || p.Changed[0].Local.EVR() != "1-1" {
		t.Errorf("packages: %+v", p)
	}
	la.Packages[0].Payloadhash = "ffff"
	ad = kojidiff.Arch{}
	diffArch(&ad, ka, la)
	if n := len(ad.Packages.Changed); n != 2 {
		t.Errorf("a sigmd5 that differs: %d changed, want 2", n)
	}

	ad = kojidiff.Arch{}
	diffArch(&ad, &kojiArch{}, la)
	if ad.Packages.Compared || !strings.Contains(ad.Packages.Note, "Koji recorded no package list") {
		t.Errorf("no list in Koji: %+v", ad.Packages)
	}
}
