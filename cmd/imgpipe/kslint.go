package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/inputlimit"
	"github.com/imgpipe/imgpipe/kickstart"
)

// cmdKsLint is `imgpipe ks lint [-v VERSION] [--for TARGET] [--format json] FILE`:
// the kickstart's mistakes, as written (includes followed as Koji's
// builder follows them: relative to the including file), each with a rule
// ID, a severity, the file, line and column, and a fix. Syntax is checked
// for the version; --for adds what that Koji build needs. Findings go to
// standard output, as diagnostics with snippets or as a JSON list; the
// exit status is 2 when one of them is an error (the kickstart is invalid
// input for the build), 0 otherwise.
func cmdKsLint(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("ks lint", "FILE")
	version := fs.String("v", "DEVEL", "kickstart syntax version: FC3 to F45 or RHEL3 to RHEL11 (every version pykickstart 3.74 knows), by name or number (F41, 41000); DEVEL is the newest (F45)")
	target := fs.String("for", "", "the build the kickstart is for: image-build, livemedia or appliance (adds its rules; without it only the syntax is checked)")
	asJSON := fs.Bool("json", false, "print the findings as a JSON list of {rule, severity, file, line, column, end_line, end_column, message, hint}; the same as --format json")
	format := fs.String("format", "text", "output format: text, or json (as --json)")
	rules := fs.Bool("rules", false, "list the rules and exit")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *rules {
		return printLintRules(a)
	}
	switch *format {
	case "json":
		*asJSON = true
	case "text":
	default:
		return usagef("ks lint: unknown --format %q: use text or json", *format)
	}
	if len(pos) != 1 {
		return usagef("ks lint takes one kickstart file, got %d arguments", len(pos))
	}
	v, err := kickstart.ParseVersion(*version)
	if err != nil {
		return usagef("ks lint: %s", err)
	}
	t, err := kickstart.ParseTarget(*target)
	if err != nil {
		return usagef("ks lint: %s", err)
	}
	path := pos[0]
	src, err := inputlimit.ReadFile(path, inputlimit.KickstartBytes)
	if err != nil {
		return usagef("ks lint: %s", err)
	}
	ks, diags := kickstart.Parse(path, src, kickstart.Options{Version: v, Resolver: kickstart.DirResolver{}})
	findings := kickstart.Lint(ks, diags, kickstart.LintOptions{Target: t})
	a.quoteKickstart(ks.Files)
	for i := range findings {
		findings[i].Message = a.maskQuotes(findings[i].Message)
		findings[i].Hint = a.maskQuotes(findings[i].Hint)
	}
	if *asJSON {
		b, err := json.MarshalIndent(findings, "", "  ")
		if err != nil {
			return err
		}
		if _, err := a.stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	} else if len(findings) > 0 {
		var buf strings.Builder
		w := hcl.NewDiagnosticTextWriter(&buf, a.files, 100, false)
		if err := w.WriteDiagnostics(kickstart.LintDiagnostics(findings)); err != nil {
			return err
		}
		if _, err := io.WriteString(a.stdout, a.maskQuotes(buf.String())); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, lintCounts(findings))
	}
	if kickstart.LintHasErrors(findings) {
		return &silentError{code: exitInvalid}
	}
	return nil
}

// lintCounts is the closing line: "2 errors, 1 warning."
func lintCounts(findings []kickstart.LintFinding) string {
	errs, warns := 0, 0
	for _, f := range findings {
		if f.Severity == kickstart.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	plural := func(n int, s string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, s)
		}
		return fmt.Sprintf("%d %ss", n, s)
	}
	return plural(errs, "error") + ", " + plural(warns, "warning") + "."
}

func printLintRules(a *app) error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RULE\tSEVERITY\tFOR\tCHECKS")
	for _, r := range kickstart.LintRules() {
		targets := "all"
		if r.Targets != nil {
			var ts []string
			for _, t := range r.Targets {
				ts = append(ts, string(t))
			}
			targets = strings.Join(ts, ",")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, targets, r.Title)
	}
	return w.Flush()
}
