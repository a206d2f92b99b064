package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/stages/fetchks"
)

// cmdKsFetch is `imgpipe ks fetch URL [--file F] [--checksum C] [-o DIR]`:
// the fetch-ks stage without a recipe or a store. It resolves the source
// as a run would (warning when it is not pinned), fetches exactly that
// revision and writes the tree into DIR, never over an existing file.
func cmdKsFetch(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("ks fetch", "URL")
	file := fs.String("file", "", "the kickstart's path inside the fetched tree (default: the file, when URL names one)")
	checksum := fs.String("checksum", "", `expected checksum of a download or local file, "sha256:<hex>"`)
	out := fs.String("o", "", "directory to write the tree into (default: the repository's name; . for a single file; required for a local directory)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 1:
	case 0:
		return usagef("ks fetch needs a URL: imgpipe ks fetch [--file F] [-o DIR] URL")
	default:
		return usagef("ks fetch takes one URL, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	r := fetchks.Request{URL: pos[0], File: *file, Checksum: *checksum, Dir: cwd}
	invalid := func(probs ...fetchks.Problem) error {
		for _, p := range probs {
			name := p.Attr
			if name != "url" {
				name = "--" + name
			}
			fmt.Fprintf(a.stderr, "imgpipe: %s: %s: %s\n", name, secret.MaskURL(p.Summary), secret.MaskURL(p.Detail))
		}
		return &silentError{code: exitInvalid}
	}
	if probs := r.Problems(); len(probs) > 0 {
		return invalid(probs...)
	}
	dir := *out
	if dir == "" {
		if dir = fetchks.DefaultDir(ctx, r.URL); dir == "" {
			return usagef("name the directory to write %s into with -o DIR", r.URL)
		}
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	interrupted := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %v", engine.ErrInterrupted, err)
		}
		return err
	}
	res, err := fetchks.Resolve(ctx, r)
	var prob fetchks.Problem
	if errors.As(err, &prob) {
		// Found only once a go-getter shorthand is expanded.
		return invalid(prob)
	}
	if err != nil {
		return interrupted(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(a.stderr, "imgpipe: warning: %s\n", secret.MaskURL(w))
	}

	// Fetch into a temporary directory inside the destination, then move
	// the tree's entries out of it: a failed or interrupted fetch leaves
	// nothing behind, and the destination's parent need not be writable.
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	created := false
	if _, err := os.Stat(absDir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(absDir, 0o755); err != nil {
			return err
		}
		created = true
	}
	tmp, err := os.MkdirTemp(absDir, ".imgpipe-ks-fetch-")
	if err != nil {
		return err
	}
	progress, flush := maskedLines(a.stderr)
	result, err := fetchks.Fetch(ctx, r, res.Revision, tmp, tmp, progress)
	flush()
	if err == nil {
		err = moveEntries(filepath.Join(tmp, result.Tree), absDir)
	}
	os.RemoveAll(tmp)
	if err != nil {
		if created {
			os.Remove(absDir) // only if empty
		}
		return interrupted(err)
	}
	if result.Kickstart == result.Tree {
		fmt.Fprintf(a.stdout, "tree: %s\nrevision: %s\n", dir, result.Revision)
		return nil
	}
	ks := filepath.Join(dir, strings.TrimPrefix(result.Kickstart, result.Tree+"/"))
	fmt.Fprintf(a.stdout, "kickstart: %s\nrevision: %s\n", ks, result.Revision)
	return nil
}

// moveEntries moves every entry of src into dst (created if needed),
// refusing to replace anything that exists there.
func moveEntries(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	var clash []string
	for _, e := range entries {
		if _, err := os.Lstat(filepath.Join(dst, e.Name())); err == nil {
			clash = append(clash, filepath.Join(dst, e.Name()))
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if len(clash) > 0 {
		return fmt.Errorf("not overwriting %s; choose another directory with -o", strings.Join(clash, ", "))
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
