package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/lines"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/kickstart"
)

// cmdKs dispatches `imgpipe ks fetch|flatten|lint`.
func cmdKs(ctx context.Context, a *app, args []string) error {
	subs := []command{
		{"fetch", "Fetch a kickstart and its tree (Koji SCM URL, path, http(s), go-getter URL)", cmdKsFetch},
		{"flatten", "Print a kickstart flattened as pykickstart (and Koji) does", cmdKsFlatten},
		{"lint", "Check a kickstart for mistakes an unattended build trips on", cmdKsLint},
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		w := a.stderr
		if len(args) > 0 {
			w = a.stdout
		}
		fmt.Fprintln(w, "Usage: imgpipe ks <command> [flags] [args]")
		fmt.Fprintln(w)
		for _, c := range subs {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return &silentError{code: exitInvalid}
		}
		return nil
	}
	i := slices.IndexFunc(subs, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		return usagef("unknown ks command %q: use fetch, flatten or lint", args[0])
	}
	return subs[i].run(ctx, a, args[1:])
}

// quoteKickstart registers a kickstart's files for the snippets of
// diagnostics and findings, which are masked once written: a warning
// quotes the line it is about, and `rootpw` is a line a warning is about
// (docs/reliability-secrets.md). The passwords of the quoted lines are
// masked whatever their length, and so are those passwords and URL
// credentials anywhere in the text. The files themselves are kept as they
// are, so that the diagnostics' byte ranges still point at their lines.
// What ks flatten prints is not masked: that kickstart is what the user
// asked for.
func (a *app) quoteKickstart(files []*kickstart.File) {
	set := &secret.Set{}
	for _, f := range files {
		_, found := kickstart.MaskPasswords(string(f.Src), secret.Marker)
		set.Add(found...)
		a.files[f.Path] = &hcl.File{Bytes: f.Src}
	}
	a.maskQuotes = func(text string) string {
		return set.Mask(maskSnippetPasswords(text))
	}
}

// snippetLine is a source line as a diagnostic quotes it: "  12: text".
var snippetLine = regexp.MustCompile(`^( *[0-9]+: )(.*\n?)$`)

// maskSnippetPasswords masks the kickstart passwords in the source lines
// diagnostics quote.
func maskSnippetPasswords(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if m := snippetLine.FindStringSubmatch(l); m != nil {
			masked, _ := kickstart.MaskPasswords(m[2], secret.Marker)
			lines[i] = m[1] + masked
		}
	}
	return strings.Join(lines, "")
}

// maskedLines returns a writer that writes each line to w with the
// credentials of its URLs masked, and a function that writes the last,
// unfinished line: ks fetch's progress names the URL it fetches.
func maskedLines(w io.Writer) (io.Writer, func()) {
	lw := lines.NewWriter(func(line string) {
		fmt.Fprintln(w, secret.MaskURL(line))
	})
	return lw, lw.Flush
}
