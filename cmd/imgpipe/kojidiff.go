package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/kojidiff"
	"github.com/imgpipe/imgpipe/internal/kojihub"
)

// `imgpipe koji diff` compares a local published build with Koji's
// (docs/koji-replay.md#diffing-against-kojis-build): per arch, the image
// files and the package lists. It exits 0 when they are equal, 1 when they
// differ, 2 on bad input or a hub that fails.

// Koji's image task methods: the parents, and the per-arch children whose
// results hold each arch's files and package list (builder/kojid).
var (
	kojiImageParents  = []string{"image", "livemedia", "appliance", "livecd"}
	kojiImageChildren = []string{"createImage", "createLiveMedia", "createAppliance", "createLiveCD"}
)

func cmdKojiDiff(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("koji diff", "TASK-ID|NVR [BUILD]")
	var hf hubFlags
	hf.register(fs)
	var sf storeFlags
	sf.register(fs)
	format := registerFormat(fs, "text", "json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("koji diff needs Koji's task or build, and may name the local build: imgpipe koji diff TASK-ID|NVR [BUILD]")
	}
	taskID, isTask := parseTaskRef(pos[0])
	if !isTask && strings.Count(pos[0], "-") < 2 {
		return usagef("koji diff: %q is neither a task ID nor a N-V-R (name-version-release)", pos[0])
	}
	st, err := sf.open()
	if err != nil {
		return err
	}
	hub, err := hf.client()
	if err != nil {
		return err
	}
	var kb *kojiBuild
	if isTask {
		kb, err = kojiTaskBuild(ctx, hub, taskID)
	} else {
		kb, err = kojiNVRBuild(ctx, hub, pos[0])
	}
	if err != nil {
		return err
	}
	local, err := localBuild(st, kb, pos[1:])
	if err != nil {
		return err
	}
	meta, err := store.ReadMetadata(local.Dir)
	if err != nil {
		return fmt.Errorf("local build %s: %w", local.NVR(), err)
	}
	d := diffBuilds(kb, meta, local.Dir)
	if format.json() {
		b, _ := json.MarshalIndent(d, "", "  ")
		fmt.Fprintf(a.stdout, "%s\n", b)
	} else {
		printDiff(a, d)
	}
	if !d.Equal {
		return &silentError{code: exitFailed}
	}
	return nil
}

// parseTaskRef reads a task ID, or the URL of a task's page
// (…/taskinfo?taskID=N).
func parseTaskRef(s string) (int64, bool) {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return id, true
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && path.Base(u.Path) == "taskinfo" {
		if id, err := strconv.ParseInt(u.Query().Get("taskID"), 10, 64); err == nil && id > 0 {
			return id, true
		}
	}
	return 0, false
}

// kojiBuild is Koji's side: each arch's image files and packages.
type kojiBuild struct {
	// Source says where it came from: "task 1001", "build quickstart-1-1".
	Source                 string
	Name, Version, Release string
	Arches                 map[string]*kojiArch
}

type kojiArch struct {
	// Files are the image files, with their archive type when known.
	Files    []kojidiff.File
	Packages []kojihub.RPM
}

// kojiTaskBuild reads what an image task made: its per-arch children's
// results (the files and rpmlist createImage and its kin return). A child
// task is walked up to its parent.
func kojiTaskBuild(ctx context.Context, hub *kojihub.Client, id int64) (*kojiBuild, error) {
	task, err := hub.GetTaskInfo(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if slices.Contains(kojiImageChildren, task.Method) && task.Parent != 0 {
		if task, err = hub.GetTaskInfo(ctx, task.Parent, false); err != nil {
			return nil, err
		}
	}
	if !slices.Contains(kojiImageParents, task.Method) {
		return nil, usagef("koji task %d is a %s task, not an image task (%s)", task.ID, task.Method, strings.Join(kojiImageParents, ", "))
	}
	if task.StateName() != "CLOSED" {
		return nil, usagef("koji task %d is %s: only a finished (CLOSED) task made a build to compare", task.ID, task.StateName())
	}
	children, err := hub.GetTaskChildren(ctx, task.ID, false)
	if err != nil {
		return nil, err
	}
	kb := &kojiBuild{Source: fmt.Sprintf("task %d", task.ID), Arches: map[string]*kojiArch{}}
	for _, c := range children {
		if !slices.Contains(kojiImageChildren, c.Method) || c.StateName() != "CLOSED" {
			continue // a failed can_fail arch is not in Koji's build either
		}
		res, err := hub.GetTaskResult(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		bad := func(what string) error {
			return &kojihub.Error{Hub: hub.Hub(), Method: "getTaskResult", Err: fmt.Errorf("%w: task %d's result %s", kojihub.ErrMalformed, c.ID, what)}
		}
		m, ok := res.(map[string]any)
		if !ok {
			return nil, bad("is no struct")
		}
		arch, _ := m["arch"].(string)
		if arch == "" {
			return nil, bad("names no arch")
		}
		kb.Name, _ = m["name"].(string)
		kb.Version, _ = m["version"].(string)
		kb.Release, _ = m["release"].(string)
		ka := &kojiArch{}
		files, _ := m["files"].([]any)
		for _, f := range files {
			if name, ok := f.(string); ok && isImageFile(name) {
				ka.Files = append(ka.Files, kojidiff.File{Name: name})
			}
		}
		rpms, _ := m["rpmlist"].([]any)
		for _, r := range rpms {
			rm, ok := r.(map[string]any)
			if !ok {
				return nil, bad("has a package that is no struct")
			}
			rpm, err := kojihub.DecodeRPM(rm)
			if err != nil {
				return nil, bad(err.Error())
			}
			ka.Packages = append(ka.Packages, rpm)
		}
		kb.Arches[arch] = ka
	}
	if len(kb.Arches) == 0 {
		return nil, usagef("koji task %d has no finished %s task: there is no image to compare", task.ID, strings.Join(kojiImageChildren, " or "))
	}
	return kb, nil
}

// kojiNVRBuild reads an image build: its image archives per arch, and the
// package list Koji recorded for each arch's first image.
func kojiNVRBuild(ctx context.Context, hub *kojihub.Client, nvr string) (*kojiBuild, error) {
	b, err := hub.GetBuild(ctx, nvr)
	if err != nil {
		return nil, err
	}
	archives, err := hub.ListArchives(ctx, b.ID, "image")
	if err != nil {
		return nil, err
	}
	kb := &kojiBuild{Source: "build " + b.NVR, Name: b.Name, Version: b.Version, Release: b.Release, Arches: map[string]*kojiArch{}}
	first := map[string]int64{}
	for _, ar := range archives {
		if !isImageFile(ar.Filename) || ar.Arch == "" {
			continue
		}
		ka := kb.Arches[ar.Arch]
		if ka == nil {
			ka = &kojiArch{}
			kb.Arches[ar.Arch] = ka
			first[ar.Arch] = ar.ID
		}
		ka.Files = append(ka.Files, kojidiff.File{Name: ar.Filename, Format: ar.TypeName})
	}
	if len(kb.Arches) == 0 {
		return nil, usagef("koji build %s has no image archives: is it an image build?", b.NVR)
	}
	for _, arch := range slices.Sorted(maps.Keys(first)) {
		// Koji records the image's packages against each of its archives.
		rpms, err := hub.ListRPMs(ctx, first[arch])
		if err != nil {
			return nil, err
		}
		kb.Arches[arch].Packages = rpms
	}
	return kb, nil
}

// isImageFile tells an image from what Koji keeps beside it: kickstarts,
// the TDL and libvirt XML, logs (imgpipe publishes those under data/).
func isImageFile(name string) bool {
	for _, ext := range []string{".ks", ".xml", ".log", ".cfg"} {
		if strings.HasSuffix(name, ext) {
			return false
		}
	}
	return true
}

// localBuild picks the local build: the one named, else the newest
// published build of Koji's name and version.
func localBuild(st *store.Store, kb *kojiBuild, named []string) (store.BuildRecord, error) {
	if len(named) == 1 {
		b, err := findBuild(st, named[0])
		if err != nil {
			return b, usagef("%v", err)
		}
		if b.State != store.BuildPublished && b.State != store.BuildScratch {
			return b, usagef("local build %s is %s, not published", b.NVR(), b.State)
		}
		return b, nil
	}
	builds, err := st.Builds(kb.Name, kb.Version)
	if err != nil {
		return store.BuildRecord{}, err
	}
	for i := len(builds) - 1; i >= 0; i-- {
		if builds[i].State == store.BuildPublished {
			return builds[i], nil
		}
	}
	return store.BuildRecord{}, usagef("no published build of %s-%s in %s to compare with Koji's %s; name one: imgpipe koji diff %s N-V-R", kb.Name, kb.Version, st.Dir, kb.Source, strings.Fields(kb.Source)[1])
}

func diffBuilds(kb *kojiBuild, meta *store.BuildMetadata, dir string) *kojidiff.Doc {
	d := &kojidiff.Doc{Equal: true, Arches: []kojidiff.Arch{}}
	d.Koji.Source = kb.Source
	d.Koji.NVR = kb.Name + "-" + kb.Version + "-" + kb.Release
	d.Local.NVR, d.Local.Dir = meta.NVR, dir
	arches := slices.Collect(maps.Keys(kb.Arches))
	for a := range meta.Builds {
		if !slices.Contains(arches, a) {
			arches = append(arches, a)
		}
	}
	slices.Sort(arches)
	for _, arch := range arches {
		ka, la := kb.Arches[arch], meta.Builds[arch]
		ad := kojidiff.Arch{Arch: arch, In: "both"}
		ad.Files.Added, ad.Files.Removed, ad.Files.Same = []kojidiff.File{}, []kojidiff.File{}, []string{}
		ad.Packages.Added, ad.Packages.Removed, ad.Packages.Changed = []kojidiff.Package{}, []kojidiff.Package{}, []kojidiff.Change{}
		switch {
		case la == nil:
			ad.In = "koji"
			d.Equal = false
		case ka == nil:
			ad.In = "local"
			d.Equal = false
		default:
			diffArch(&ad, ka, la)
			if len(ad.Files.Added)+len(ad.Files.Removed)+len(ad.Packages.Added)+len(ad.Packages.Removed)+len(ad.Packages.Changed) > 0 {
				d.Equal = false
			}
		}
		d.Arches = append(d.Arches, ad)
	}
	return d
}

func diffArch(ad *kojidiff.Arch, ka *kojiArch, la *store.ArchMetadata) {
	kojiFiles := map[string]kojidiff.File{}
	for _, f := range ka.Files {
		kojiFiles[f.Name] = f
	}
	for _, img := range la.Images {
		name := path.Base(img.Path)
		if _, ok := kojiFiles[name]; ok {
			ad.Files.Same = append(ad.Files.Same, name)
			delete(kojiFiles, name)
			continue
		}
		ad.Files.Added = append(ad.Files.Added, kojidiff.File{Name: name, Format: img.Format})
	}
	for _, f := range ka.Files {
		if _, ok := kojiFiles[f.Name]; ok {
			ad.Files.Removed = append(ad.Files.Removed, f)
		}
	}
	slices.Sort(ad.Files.Same)
	slices.SortFunc(ad.Files.Added, func(x, y kojidiff.File) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(ad.Files.Removed, func(x, y kojidiff.File) int { return cmp.Compare(x.Name, y.Name) })

	p := &ad.Packages
	switch {
	case len(ka.Packages) == 0:
		p.Note = "Koji recorded no package list (it records none for scratch builds and livemedia)"
		return
	case len(la.Packages) == 0:
		p.Note = "the local build recorded no package list"
		return
	}
	p.Compared = true
	// Packages are matched by name and arch; one name and arch may be
	// installed at several versions (kernels), matched version by version.
	kojiBy, localBy := map[string][]kojidiff.Package{}, map[string][]kojidiff.Package{}
	for _, r := range ka.Packages {
		q := kojidiff.Package{Name: r.Name, Epoch: r.Epoch, Version: r.Version, Release: r.Release, Arch: r.Arch, SigMD5: r.Payloadhash}
		kojiBy[q.Name+"."+q.Arch] = append(kojiBy[q.Name+"."+q.Arch], q)
	}
	for _, r := range la.Packages {
		q := kojidiff.Package{Name: r.Name, Epoch: r.Epoch, Version: r.Version, Release: r.Release, Arch: r.Arch, SigMD5: r.Payloadhash}
		localBy[q.Name+"."+q.Arch] = append(localBy[q.Name+"."+q.Arch], q)
	}
	keys := slices.Collect(maps.Keys(kojiBy))
	for k := range localBy {
		if _, ok := kojiBy[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		kp, lp := kojiBy[k], localBy[k]
		var kLeft []kojidiff.Package
		for _, q := range kp {
			i := slices.IndexFunc(lp, q.SameEVR)
			if i < 0 {
				kLeft = append(kLeft, q)
				continue
			}
			l := lp[i]
			lp = slices.Delete(lp, i, i+1)
			if q.SigMD5 != "" && l.SigMD5 != "" && !strings.EqualFold(q.SigMD5, l.SigMD5) {
				p.Changed = append(p.Changed, kojidiff.Change{Koji: q, Local: l})
				continue
			}
			p.Same++
		}
		if len(kLeft) == 1 && len(lp) == 1 {
			p.Changed = append(p.Changed, kojidiff.Change{Koji: kLeft[0], Local: lp[0]})
			continue
		}
		p.Removed = append(p.Removed, kLeft...)
		p.Added = append(p.Added, lp...)
	}
}

// printDiff writes the comparison as text.
func printDiff(a *app, d *kojidiff.Doc) {
	w := a.stdout
	if strings.HasPrefix(d.Koji.Source, "build ") {
		fmt.Fprintf(w, "Koji's %s against the local build %s\n", d.Koji.Source, d.Local.NVR)
	} else {
		fmt.Fprintf(w, "Koji's %s (%s) against the local build %s\n", d.Koji.Source, d.Koji.NVR, d.Local.NVR)
	}
	for _, ad := range d.Arches {
		switch ad.In {
		case "koji":
			fmt.Fprintf(w, "%s: only in Koji's build\n", ad.Arch)
			continue
		case "local":
			fmt.Fprintf(w, "%s: only in the local build\n", ad.Arch)
			continue
		}
		f, p := ad.Files, ad.Packages
		files := fmt.Sprintf("%d images the same", len(f.Same))
		if n := len(f.Added) + len(f.Removed); n > 0 {
			files = fmt.Sprintf("%d added, %d removed, %s", len(f.Added), len(f.Removed), files)
		}
		pkgs := p.Note
		if p.Compared {
			pkgs = fmt.Sprintf("%d added, %d removed, %d changed, %d the same", len(p.Added), len(p.Removed), len(p.Changed), p.Same)
		}
		fmt.Fprintf(w, "%s: files: %s; packages: %s\n", ad.Arch, files, pkgs)
		for _, x := range f.Added {
			fmt.Fprintf(w, "  + %s%s\n", x.Name, paren(x.Format))
		}
		for _, x := range f.Removed {
			fmt.Fprintf(w, "  - %s%s\n", x.Name, paren(x.Format))
		}
		for _, x := range p.Added {
			fmt.Fprintf(w, "  + %s %s %s\n", x.Name, x.EVR(), x.Arch)
		}
		for _, x := range p.Removed {
			fmt.Fprintf(w, "  - %s %s %s\n", x.Name, x.EVR(), x.Arch)
		}
		for _, c := range p.Changed {
			if c.Koji.SameEVR(c.Local) {
				fmt.Fprintf(w, "  ~ %s %s %s: sigmd5 %s -> %s\n", c.Local.Name, c.Local.EVR(), c.Local.Arch, c.Koji.SigMD5, c.Local.SigMD5)
				continue
			}
			fmt.Fprintf(w, "  ~ %s %s: %s -> %s\n", c.Local.Name, c.Local.Arch, c.Koji.EVR(), c.Local.EVR())
		}
	}
	if d.Equal {
		fmt.Fprintln(w, "The builds are the same.")
		return
	}
	fmt.Fprintln(w, "The builds differ (+ only in the local build, - only in Koji's, ~ Koji's -> local).")
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
