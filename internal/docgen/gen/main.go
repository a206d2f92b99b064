package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/imgpipe/imgpipe/internal/docgen"
	"github.com/imgpipe/imgpipe/stages"
)

func main() {
	out := flag.String("o", "docs/reference.md", "the file to write")
	flag.Parse()
	if err := os.WriteFile(*out, docgen.Reference(stages.All(), stages.Presets()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
