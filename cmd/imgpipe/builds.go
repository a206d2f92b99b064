package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/engine/store"
)

// buildEntry is one build in `imgpipe builds` output.
type buildEntry struct {
	NVR     string    `json:"nvr"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Release string    `json:"release"`
	State   string    `json:"state"`
	Arches  []string  `json:"arches"`
	Created time.Time `json:"created"`
	Dir     string    `json:"dir"`
}

func cmdBuilds(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("builds", "[list | show N-V-R | delete N-V-R]")
	var sf storeFlags
	sf.register(fs)
	format := registerFormat(fs, "text", "json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	sub := "list"
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
	}
	st, err := sf.open()
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		if len(pos) > 0 {
			return usagef("builds list takes no arguments")
		}
		return a.buildsList(st, format.json())
	case "show", "delete":
		if len(pos) != 1 {
			return usagef("builds %s needs one build: imgpipe builds %s N-V-R", sub, sub)
		}
		if sub == "show" {
			return a.buildsShow(st, pos[0], format.json())
		}
		return a.buildsDelete(ctx, st, pos[0])
	}
	return usagef("builds: unknown subcommand %q; use list, show or delete", sub)
}

// allBuilds lists every build of the store as `imgpipe builds` shows them.
func allBuilds(st *store.Store) ([]buildEntry, error) {
	recs, err := st.AllBuilds()
	if err != nil {
		return nil, err
	}
	out := make([]buildEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, newBuildEntry(r))
	}
	return out, nil
}

func newBuildEntry(r store.BuildRecord) buildEntry {
	arches := r.Arches
	if arches == nil {
		arches = []string{}
	}
	return buildEntry{
		NVR: r.NVR(), Name: r.Name, Version: r.Version, Release: r.Release,
		State: r.State, Arches: arches, Created: r.Created.UTC(), Dir: r.Dir,
	}
}

func (a *app) buildsList(st *store.Store, asJSON bool) error {
	builds, err := allBuilds(st)
	if err != nil {
		return err
	}
	if asJSON {
		b, _ := json.MarshalIndent(builds, "", "  ")
		fmt.Fprintf(a.stdout, "%s\n", b)
		return nil
	}
	if len(builds) == 0 {
		fmt.Fprintf(a.stdout, "No builds in %s.\n", st.Dir)
		return nil
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NVR\tARCHES\tSTATE\tCREATED")
	for _, b := range builds {
		arches := strings.Join(b.Arches, ",")
		if arches == "" {
			arches = "-"
		}
		state := b.State
		if state == store.BuildReserved && st.Active(b.Name, b.Version, b.Release) {
			state = "building"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.NVR, arches, state, b.Created.Format(time.RFC3339))
	}
	return w.Flush()
}

// findBuild resolves N-V-R to a build of the store (see
// store.FindBuild).
func findBuild(st *store.Store, nvr string) (store.BuildRecord, error) {
	b, ok, err := st.FindBuild(nvr)
	switch {
	case err != nil:
		return b, err
	case ok:
		return b, nil
	case strings.Count(nvr, "-") < 2:
		return b, usagef("%q is not a N-V-R (name-version-release)", nvr)
	}
	return b, fmt.Errorf("no build %s in %s; `imgpipe builds` lists them", nvr, st.Dir)
}

func (a *app) buildsShow(st *store.Store, nvr string, asJSON bool) error {
	b, err := findBuild(st, nvr)
	if err != nil {
		return err
	}
	if b.State != store.BuildPublished && b.State != store.BuildScratch {
		if asJSON {
			out, _ := json.MarshalIndent(newBuildEntry(b), "", "  ")
			fmt.Fprintf(a.stdout, "%s\n", out)
			return nil
		}
		fmt.Fprintf(a.stdout, "%s: %s", b.NVR(), b.State)
		if b.State == store.BuildDeleted {
			fmt.Fprintf(a.stdout, " (its release is not reused)")
		}
		fmt.Fprintf(a.stdout, "\ndirectory: %s\n", b.Dir)
		return nil
	}
	if asJSON {
		data, err := os.ReadFile(filepath.Join(b.Dir, store.MetadataFile))
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(data)
		return err
	}
	m, err := store.ReadMetadata(b.Dir)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "build:\t%s\n", m.NVR)
	fmt.Fprintf(w, "state:\t%s\n", b.State)
	fmt.Fprintf(w, "directory:\t%s\n", b.Dir)
	fmt.Fprintf(w, "arches:\t%s\n", strings.Join(m.Arches, ", "))
	fmt.Fprintf(w, "created:\t%s\n", m.Created.UTC().Format(time.RFC3339))
	if !m.Updated.Equal(m.Created) {
		fmt.Fprintf(w, "updated:\t%s\n", m.Updated.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "release key:\t%s\n", m.ReleaseKey)
	fmt.Fprintf(w, "imgpipe:\t%s\n", m.Imgpipe)
	if err := w.Flush(); err != nil {
		return err
	}
	for _, arch := range m.Arches {
		part := m.Builds[arch]
		if part == nil {
			continue
		}
		fmt.Fprintf(a.stdout, "\n%s:\n", arch)
		w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "  FILE\tSIZE\tSHA256")
		for _, f := range part.Files() {
			fmt.Fprintf(w, "  %s\t%d\t%s\n", f.Path, f.Size, f.SHA256)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for _, k := range part.Kickstarts {
			src := ""
			if k.URL != "" {
				src += " from " + k.URL
			}
			if k.Revision != "" {
				src += " at " + k.Revision
			}
			fmt.Fprintf(a.stdout, "  kickstart (%s): %s%s\n", k.Role, k.Path, src)
		}
		if part.Packages == nil {
			fmt.Fprintln(a.stdout, "  packages: none recorded")
		} else {
			fmt.Fprintf(a.stdout, "  packages: %d\n", len(part.Packages))
		}
		fmt.Fprintln(a.stdout, "  stages:")
		w = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		for _, s := range part.Stages {
			fmt.Fprintf(w, "    %s\t%s\t%s\t%s\n", s.Name, s.Kind, s.ID, s.Duration.Round(time.Millisecond))
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) buildsDelete(ctx context.Context, st *store.Store, nvr string) error {
	b, err := findBuild(st, nvr)
	if err != nil {
		return err
	}
	switch b.State {
	case store.BuildScratch:
		if err := st.DeleteScratch(b); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Deleted scratch build %s (%s).\n", b.NVR(), b.Dir)
		return nil
	case store.BuildReserved:
		return fmt.Errorf("build %s is not published (a run is building it, or one died before publishing); nothing to delete", b.NVR())
	}
	already := b.State == store.BuildDeleted
	if err := st.DeleteBuild(ctx, b.Name, b.Version, b.Release); err != nil {
		return err
	}
	if already {
		fmt.Fprintf(a.stdout, "%s was already deleted.\n", b.NVR())
		return nil
	}
	fmt.Fprintf(a.stdout, "Deleted %s; its tombstone keeps release %s from being reused.\n", b.NVR(), b.Release)
	return nil
}
