package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/imgpipe/imgpipe/engine/recipe"
)

func cmdFmt(ctx context.Context, a *app, args []string) error {
	flags := a.newFlags("fmt", "[FILE.hcl | DIR ...]")
	check := flags.Bool("check", false, "only list files that are not formatted; exit 1 if there are any")
	pos, err := parse(flags, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		pos = []string{"."}
	}
	var files []string
	for _, p := range pos {
		info, err := os.Stat(p)
		if err != nil {
			return usagef("fmt: %s", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".hcl") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	var diags hcl.Diagnostics
	unformatted := 0
	for _, path := range files {
		src, head, d := recipe.ReadFile(path, "recipe")
		if d.HasErrors() {
			if head != nil {
				a.files[path] = head
			}
			diags = append(diags, d...)
			continue
		}
		if d := recipe.CheckNesting(src, path, hcl.InitialPos); d.HasErrors() {
			a.files[path] = &hcl.File{Bytes: src}
			diags = append(diags, d...)
			continue
		}
		// Only valid HCL is rewritten: formatting a broken file could make
		// its mistake harder to find.
		f, d := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		if d.HasErrors() {
			a.files[path] = f
			diags = append(diags, d...)
			continue
		}
		out := hclwrite.Format(src)
		if bytes.Equal(out, src) {
			continue
		}
		unformatted++
		fmt.Fprintln(a.stdout, path)
		if *check {
			continue
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, out, info.Mode().Perm()); err != nil {
			return err
		}
	}
	if diags.HasErrors() {
		return diags
	}
	if *check && unformatted > 0 {
		return &silentError{code: exitFailed}
	}
	return nil
}
