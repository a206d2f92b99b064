package main

import (
	"context"
	"strings"

	"github.com/imgpipe/imgpipe/engine/legacyini"
)

// cmdUpgrade prints the HCL recipe a Koji INI stands for. It converts and
// does not plan: `imgpipe validate` checks the result. Nothing is dropped
// silently: a key the recipe cannot carry is an error, and the koji CLI
// options wait and noprogress, which are not build settings, are warnings
// and stay in the output as comments.
func cmdUpgrade(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("upgrade", "FILE.ini | DIR")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	var path string
	switch len(pos) {
	case 1:
		path = pos[0]
	case 0:
		return usagef("upgrade needs a Koji INI: imgpipe upgrade FILE.ini")
	default:
		return usagef("upgrade takes one INI, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	if !isINI(path) {
		return usagef("upgrade reads a Koji image-build INI (a .ini or .conf file, or a directory of *.conf files); %s is not one", path)
	}
	res, diags := legacyini.Load(path)
	for name, f := range res.Files {
		a.files[name] = f
	}
	if diags.HasErrors() {
		return diags
	}
	a.printDiags(diags)
	_, err = a.stdout.Write(res.HCL)
	return err
}
