package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/engine/cache"
	"github.com/imgpipe/imgpipe/engine/cache/oci"
	"github.com/imgpipe/imgpipe/engine/cacheref"
	"github.com/imgpipe/imgpipe/engine/recipe"
)

// cacheFlags are run's (and doctor's) --cache-from and --cache-to, and
// plan's --cache-from: a team cache for one command, over the recipe's
// cache block (docs/team-cache.md).
type cacheFlags struct {
	from, to string
}

func (cf *cacheFlags) register(fs *flag.FlagSet) {
	cf.registerFrom(fs)
	fs.StringVar(&cf.to, "cache-to", "", "push the objects of the stages that succeed to this team cache, oci://host[:port]/repo, over the recipe's cache block (none: push nowhere)")
}

// registerFrom registers --cache-from alone, for a command that only
// reads the cache.
func (cf *cacheFlags) registerFrom(fs *flag.FlagSet) {
	fs.StringVar(&cf.from, "cache-from", "", "pull stages' objects from this team cache, oci://host[:port]/repo, over the recipe's cache block (none: no cache)")
}

// check reads the flags' references, before a run opens anything.
func (cf *cacheFlags) check() error {
	for name, v := range map[string]string{"cache-from": cf.from, "cache-to": cf.to} {
		if v == "" || v == "none" {
			continue
		}
		if _, err := cacheref.ParseRef(v); err != nil {
			return usagef("--%s: %v", name, err)
		}
	}
	return nil
}

// refs returns the references of the caches a run pulls from and pushes
// to, as given ("" or "none": no cache): the flags', else the recipe's
// cache block (which pushes only with push = true).
func (cf *cacheFlags) refs(block *recipe.Cache) (fromRef, toRef string) {
	if block != nil {
		fromRef = block.Ref
		if block.Push {
			toRef = block.Ref
		}
	}
	if cf.from != "" {
		fromRef = cf.from
	}
	if cf.to != "" {
		toRef = cf.to
	}
	return fromRef, toRef
}

// open returns the caches a run pulls from and pushes to (refs).
func (cf *cacheFlags) open(block *recipe.Cache) (from, to cache.Remote, err error) {
	fromRef, toRef := cf.refs(block)
	opened := map[string]*oci.Cache{}
	openRef := func(flagName, s string) (cache.Remote, error) {
		if s == "" || s == "none" {
			return nil, nil
		}
		ref, err := cacheref.ParseRef(s)
		if err != nil {
			return nil, usagef("--%s: %v", flagName, err)
		}
		if c, ok := opened[ref.String()]; ok {
			return c, nil
		}
		c, err := oci.Open(ref)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flagName, err)
		}
		opened[ref.String()] = c
		return c, nil
	}
	if from, err = openRef("cache-from", fromRef); err != nil {
		return nil, nil, err
	}
	if to, err = openRef("cache-to", toRef); err != nil {
		return nil, nil, err
	}
	return from, to, nil
}

func cmdCache(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("cache", "ls | prune oci://host[:port]/repo")
	format := registerFormat(fs, "text", "json")
	olderThan := fs.Duration("older-than", 0, "prune: delete the entries pushed longer ago than this (e.g. 720h)")
	keep := fs.Int("keep", -1, "prune: keep this many of the newest entries, delete the others")
	dryRun := fs.Bool("dry-run", false, "prune: say what would be deleted, delete nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "ls" && pos[0] != "prune") {
		return usagef("cache takes ls or prune and a cache: imgpipe cache ls oci://host[:port]/repo")
	}
	if pos[0] == "prune" && *olderThan <= 0 && *keep < 0 {
		return usagef("cache prune needs --older-than DURATION, --keep N, or both")
	}
	ref, err := cacheref.ParseRef(pos[1])
	if err != nil {
		return usagef("cache %s: %v", pos[0], err)
	}
	c, err := oci.Open(ref)
	if err != nil {
		return err
	}
	entries, err := c.List(ctx)
	if err != nil {
		return err
	}
	if pos[0] == "ls" {
		return a.printCacheEntries(entries, format.json())
	}
	var doomed []oci.Entry
	now := time.Now()
	for i, e := range entries { // newest first
		old := *olderThan > 0 && now.Sub(e.Created) > *olderThan
		over := *keep >= 0 && i >= *keep
		if old || over {
			doomed = append(doomed, e)
		}
	}
	var errs []error
	for _, e := range doomed {
		if *dryRun {
			fmt.Fprintf(a.stdout, "would delete %s (%s %s [%s], %s)\n", e.Digest, e.Kind, e.Stage, e.Arch, humanBytes(e.Size))
			continue
		}
		if err := c.Delete(ctx, e); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(a.stdout, "deleted %s (%s %s [%s], %s)\n", e.Digest, e.Kind, e.Stage, e.Arch, humanBytes(e.Size))
	}
	if len(errs) > 0 {
		return fmt.Errorf("cache prune: %w (a registry deletes only when configured to: distribution's storage.delete.enabled)", errors.Join(errs...))
	}
	if !*dryRun {
		fmt.Fprintf(a.stdout, "%d entries deleted, %d kept; the registry frees their blobs when it collects garbage\n", len(doomed), len(entries)-len(doomed))
	}
	return nil
}

func (a *app) printCacheEntries(entries []oci.Entry, asJSON bool) error {
	if asJSON {
		if entries == nil {
			entries = []oci.Entry{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTAGE\tARCH\tSIZE\tAGE\tTAGS")
	for _, e := range entries {
		fmt.Fprintf(tw, "%.12s\t%s\t%s\t%s\t%s\t%s\t%d\n", e.ID, e.Kind, e.Stage, e.Arch, humanBytes(e.Size), age(e.Created), len(e.Tags))
	}
	return tw.Flush()
}

// age is how long ago t was, roughly.
func age(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
