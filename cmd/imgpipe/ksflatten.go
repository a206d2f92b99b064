package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/imgpipe/imgpipe/internal/inputlimit"
	"github.com/imgpipe/imgpipe/kickstart"
)

// cmdKsFlatten is `imgpipe ks flatten [-v VERSION] [--preserve] FILE`: the
// kickstart in pykickstart's canonical form, byte for byte what ksflatten
// prints (and Koji hands the installer), or with --preserve the user's own
// text with its includes inlined.
func cmdKsFlatten(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("ks flatten", "FILE")
	version := fs.String("v", "DEVEL", "kickstart syntax version: FC3 to F45 or RHEL3 to RHEL11 (every version pykickstart 3.74 knows), by name or number (F41, 41000); DEVEL is the newest (F45)")
	preserve := fs.Bool("preserve", false, "print the kickstart as written, comments and all, with its includes inlined (for reading)")
	ksappend := fs.Bool("ksappend", false, "expand %ksappend lines as Anaconda does, relative to the working directory (ksflatten and Koji drop them)")
	output := fs.String("o", "", "write the result to this file instead of standard output")
	quiet := fs.Bool("q", false, "do not print warnings")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("ks flatten takes one kickstart file, got %d arguments", len(pos))
	}
	v, err := kickstart.ParseVersion(*version)
	if err != nil {
		return usagef("ks flatten: %s", err)
	}
	path := pos[0]
	src, err := inputlimit.ReadFile(path, inputlimit.KickstartBytes)
	if err != nil {
		return usagef("ks flatten: %s", err)
	}
	// As ksflatten: an include is looked for relative to the working
	// directory first, then to the including file's directory.
	ks, diags := kickstart.Parse(path, src, kickstart.Options{
		Version:  v,
		Resolver: kickstart.DirResolver{WorkDir: "."},
		KsAppend: *ksappend,
	})
	a.quoteKickstart(ks.Files)
	if diags.HasErrors() {
		return diags
	}
	if !*quiet {
		a.printDiags(diags)
	}
	var out string
	if *preserve {
		out = ks.Preserved()
	} else {
		out = ks.String()
	}
	if *output != "" {
		if err := os.WriteFile(*output, []byte(out), 0o644); err != nil {
			return fmt.Errorf("ks flatten: %w", err)
		}
		return nil
	}
	_, err = strings.NewReader(out).WriteTo(a.stdout)
	return err
}
