package report

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/imgpipe/imgpipe/engine/store"
)

// maxKickstart bounds the size of a kickstart a page diffs.
const maxKickstart = 1 << 20

// Build is a published build as a page shows it.
type Build struct {
	Record   store.BuildRecord
	Meta     *store.BuildMetadata
	Rel      string // its directory relative to the store, with slashes
	Previous *store.BuildRecord
	Arches   []*ArchBuild
	// Runs says which of the runs its stages name are still in the store
	// (gc removes old runs' records): only those are linked.
	Runs map[string]bool
}

// ArchBuild is one architecture's part of a build.
type ArchBuild struct {
	*store.ArchMetadata
	Files     []store.BuildFile
	Kickstart *Diff // original → rewritten; nil without both
	Packages  *PackageDiff
}

// PackageDiff is a build's package list against the previous release's.
type PackageDiff struct {
	Previous       string // the previous release's N-V-R; "" when there is none
	Added, Removed []string
	Changed        [][2]string // name.arch old, new
	Unchanged      int
	All            []store.BuildPackage
}

// FindRunBuild returns the build a run published or found up to date, or
// nil.
func FindRunBuild(st *store.Store, r *Run) (*Build, error) {
	if r.Build == "" {
		return nil, nil
	}
	rec, ok, err := st.FindBuild(r.Build)
	if err != nil || !ok || rec.State == store.BuildDeleted || rec.State == store.BuildReserved {
		return nil, err
	}
	return LoadBuild(st, rec)
}

// LoadBuild reads a published build and compares it with the previous
// release of its name-version.
func LoadBuild(st *store.Store, rec store.BuildRecord) (*Build, error) {
	m, err := store.ReadMetadata(rec.Dir)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(st.Dir, rec.Dir)
	if err != nil {
		return nil, err
	}
	b := &Build{Record: rec, Meta: m, Rel: filepath.ToSlash(rel), Runs: map[string]bool{}}
	for _, a := range m.Builds {
		for _, run := range append([]string{a.Run}, stageRuns(a.Stages)...) {
			if _, err := os.Stat(filepath.Join(st.RunPath(run), store.EventsFile)); err == nil && run != "" {
				b.Runs[run] = true
			}
		}
	}
	var prev *store.BuildMetadata
	if rec.State != store.BuildScratch {
		all, err := st.Builds(rec.Name, rec.Version)
		if err != nil {
			return nil, err
		}
		for _, o := range all {
			if o.Release != rec.Release && o.State == store.BuildPublished && o.Created.Before(rec.Created) {
				if pm, err := store.ReadMetadata(o.Dir); err == nil {
					b.Previous, prev = &o, pm
				}
			}
		}
	}
	for _, arch := range m.Arches {
		a := m.Builds[arch]
		if a == nil {
			continue
		}
		ab := &ArchBuild{ArchMetadata: a, Files: a.Files()}
		ab.Kickstart = kickstartDiff(rec.Dir, a.Kickstarts)
		var old []store.BuildPackage
		prevNVR := ""
		if prev != nil {
			prevNVR = prev.NVR
			if pa := prev.Builds[arch]; pa != nil {
				old = pa.Packages
			}
		}
		if a.Packages != nil {
			ab.Packages = diffPackages(prevNVR, old, a.Packages)
		}
		b.Arches = append(b.Arches, ab)
	}
	return b, nil
}

func kickstartDiff(dir string, ks []store.BuildKickstart) *Diff {
	var orig, rewritten string
	for _, k := range ks {
		switch k.Role {
		case "original":
			orig = k.Path
		case "rewritten":
			rewritten = k.Path
		}
	}
	if orig == "" || rewritten == "" {
		return nil
	}
	read := func(p string) (string, bool) {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return "", false
		}
		defer f.Close()
		b := make([]byte, maxKickstart)
		n, _ := f.Read(b)
		// Published masked; an older build's kickstart may not be.
		return maskText(string(b[:n])), true
	}
	a, ok1 := read(orig)
	b, ok2 := read(rewritten)
	if !ok1 || !ok2 {
		return nil
	}
	d := LineDiff(a, b)
	d.Left, d.Right = orig, rewritten
	return d
}

func pkgVR(p store.BuildPackage) string {
	vr := p.Version + "-" + p.Release
	if p.Epoch != nil && *p.Epoch != 0 {
		vr = fmt.Sprintf("%d:%s", *p.Epoch, vr)
	}
	return vr
}

func diffPackages(prevNVR string, old, cur []store.BuildPackage) *PackageDiff {
	d := &PackageDiff{Previous: prevNVR, All: slices.Clone(cur)}
	slices.SortFunc(d.All, func(a, b store.BuildPackage) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch))
	})
	if prevNVR == "" {
		return d
	}
	was := map[string]string{}
	for _, p := range old {
		was[p.Name+"."+p.Arch] = pkgVR(p)
	}
	for _, p := range d.All {
		k := p.Name + "." + p.Arch
		o, ok := was[k]
		switch {
		case !ok:
			d.Added = append(d.Added, k+" "+pkgVR(p))
		case o != pkgVR(p):
			d.Changed = append(d.Changed, [2]string{k + " " + o, k + " " + pkgVR(p)})
		default:
			d.Unchanged++
		}
		delete(was, k)
	}
	for k, vr := range was {
		d.Removed = append(d.Removed, k+" "+vr)
	}
	slices.Sort(d.Removed)
	return d
}

func stageRuns(stages []store.BuildStage) []string {
	var runs []string
	for _, s := range stages {
		runs = append(runs, s.Run)
	}
	return runs
}
