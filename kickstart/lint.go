package kickstart

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Target is what a kickstart is built into: it decides which of the
// rules beyond syntax apply (Koji's image-build, livemedia and appliance
// tasks each need different things from a kickstart).
type Target string

// The targets. TargetAny checks the syntax only.
const (
	TargetAny        Target = ""
	TargetImageBuild Target = "image-build"
	TargetLivemedia  Target = "livemedia"
	TargetAppliance  Target = "appliance"
)

// Targets lists the build targets, for flags and documentation.
var Targets = []Target{TargetImageBuild, TargetLivemedia, TargetAppliance}

// ParseTarget returns the target with the given name; "" is TargetAny.
func ParseTarget(s string) (Target, error) {
	t := Target(strings.ToLower(strings.TrimSpace(s)))
	if t == TargetAny || slices.Contains(Targets, t) {
		return t, nil
	}
	return "", fmt.Errorf("unknown lint target %q: use image-build, livemedia or appliance", s)
}

// Lint severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// LintRule is one thing lint checks.
type LintRule struct {
	// ID names the rule in findings; it is stable and kebab-case.
	ID string
	// Severity is SeverityError for what makes the build fail (or, for
	// syntax, what pykickstart and so Koji reject), SeverityWarning for
	// the rest.
	Severity string
	// Targets are the builds the rule applies to; nil means every
	// kickstart, whatever it builds.
	Targets []Target
	// Title is a short description, the summary of text diagnostics.
	Title string
	// Hint is the usual fix; some findings give a more precise one.
	Hint string
}

// AppliesTo reports whether the rule is checked for t.
func (r LintRule) AppliesTo(t Target) bool {
	return r.Targets == nil || slices.Contains(r.Targets, t)
}

var kojiTargets = []Target{TargetImageBuild, TargetLivemedia, TargetAppliance}

// lintRules is every rule, syntax first, then by target.
var lintRules = []LintRule{
	// Syntax, from the parse: what pykickstart rejects (and so Koji's
	// build fails on), hides, or silently changes.
	{ID: "parse-error", Severity: SeverityError, Title: "Kickstart cannot be parsed",
		Hint: "Fix this first: pykickstart (and so Koji) stops reading the kickstart here, and so did lint."},
	{ID: "unknown-section", Severity: SeverityError, Title: "Unknown section",
		Hint: "The sections are %pre, %pre-install, %post, %onerror, %traceback, %packages, %certificate, %addon and %anaconda; check the spelling."},
	{ID: "unknown-command", Severity: SeverityError, Title: "Unknown command",
		Hint: "Check the spelling; if the command belongs to another version, lint with the -v version the build uses (Koji's ksversion)."},
	{ID: "removed-command", Severity: SeverityError, Title: "Removed command",
		Hint: "Remove the line or use its successor (authselect for auth and authconfig), or build with a ksversion that still has the command."},
	{ID: "unknown-option", Severity: SeverityError, Title: "Unknown option or argument",
		Hint: "Check the spelling and the command's options for this version; pykickstart rejects the whole kickstart."},
	{ID: "invalid-command", Severity: SeverityError, Title: "Invalid command arguments",
		Hint: "Fix the command's arguments as the message says; pykickstart rejects the whole kickstart."},
	{ID: "conflicting-commands", Severity: SeverityError, Title: "Conflicting commands",
		Hint: "Keep only one of the two commands."},
	{ID: "deprecated-command", Severity: SeverityWarning, Title: "Deprecated command",
		Hint: "Remove the line: the installer ignores it, and a later version will reject it."},
	{ID: "deprecated-option", Severity: SeverityWarning, Title: "Deprecated option",
		Hint: "Use the option's current spelling; a later version will reject this one."},
	{ID: "deprecated-section", Severity: SeverityWarning, Title: "Deprecated section",
		Hint: "Use %onerror instead of %traceback."},
	{ID: "duplicate-command", Severity: SeverityWarning, Title: "Command given more than once",
		Hint: "Keep one line with every option the command needs."},
	{ID: "duplicate-entry", Severity: SeverityWarning, Title: "Entry defined twice",
		Hint: "Remove one of the two lines: pykickstart keeps both, and which one the installer uses depends on the tool."},
	{ID: "ksappend-ignored", Severity: SeverityWarning, Title: "%ksappend is ignored",
		Hint: "Use %include, or set ksappend = true on the flatten stage to expand it as Anaconda does."},
	{ID: "byte-order-mark", Severity: SeverityWarning, Title: "Byte order mark",
		Hint: "Save the file as UTF-8 without a byte order mark."},
	{ID: "include-closes-section", Severity: SeverityWarning, Title: "Section closed by an included file",
		Hint: "Put each %end in the same file as its section's header."},

	// image-build: Oz installs in a VM and waits for it to stop.
	{ID: "no-poweroff", Severity: SeverityError, Targets: []Target{TargetImageBuild}, Title: "Install does not stop the VM",
		Hint: "Add reboot (or poweroff, or shutdown): Oz waits until the VM stops, and Koji turns a reboot into a stop."},
	{ID: "no-rootpw-or-user", Severity: SeverityError, Targets: []Target{TargetImageBuild}, Title: "Neither rootpw nor user",
		Hint: "Add rootpw --lock (or rootpw --iscrypted HASH) or a user line, so Anaconda does not stop to ask for a password."},
	{ID: "no-zerombr", Severity: SeverityWarning, Targets: []Target{TargetImageBuild}, Title: "No zerombr",
		Hint: "Add zerombr."},
	{ID: "no-clearpart-all", Severity: SeverityWarning, Targets: []Target{TargetImageBuild}, Title: "No clearpart --all --initlabel",
		Hint: "Use clearpart --all --initlabel."},
	{ID: "url-overridden", Severity: SeverityWarning, Targets: []Target{TargetImageBuild}, Title: "url is replaced by Koji",
		Hint: "Remove the url line and set the install tree in the recipe (install_tree)."},
	{ID: "plaintext-password", Severity: SeverityWarning, Targets: kojiTargets, Title: "Plaintext password",
		Hint: "Use --iscrypted with a hash (openssl passwd -6), or rootpw --lock; the kickstart is published with the image."},
	{ID: "koji-repo-group", Severity: SeverityWarning, Targets: kojiTargets, Title: "Package group Koji's repos lack",
		Hint: "List the packages explicitly, or build with repos whose comps define the group (a compose, via the recipe's repos or repo_mode = \"keep\")."},
	{ID: "post-without-log", Severity: SeverityWarning, Targets: []Target{TargetImageBuild}, Title: "%post without --log",
		Hint: "Add --log=/root/ks-post.log (any path): without it the script's output is lost when it fails."},
	{ID: "part-root-not-primary", Severity: SeverityWarning, Targets: []Target{TargetImageBuild}, Title: "part / without --asprimary",
		Hint: "Add --asprimary, so / is a primary partition (EC2 and other clouds expect it first)."},

	// appliance: Koji looks for the root device after the build.
	{ID: "no-root-mountpoint", Severity: SeverityError, Targets: []Target{TargetAppliance}, Title: "No / mountpoint",
		Hint: "Add part / --size=N --fstype=ext4 (or a btrfs subvolume mounted at /)."},

	// livemedia: livemedia-creator --no-virt --make-iso checks the
	// kickstart before it starts (lorax creator.py check_kickstart).
	{ID: "livemedia-no-url", Severity: SeverityError, Targets: []Target{TargetLivemedia}, Title: "No url command",
		Hint: "Add url --url=... (or --mirrorlist=...), or set install_tree_url in the recipe."},
	{ID: "livemedia-no-network", Severity: SeverityError, Targets: []Target{TargetLivemedia}, Title: "No network command",
		Hint: "Add network --bootproto=dhcp --device=link --activate."},
	{ID: "livemedia-display-mode", Severity: SeverityError, Targets: []Target{TargetLivemedia}, Title: "Display mode set",
		Hint: "Remove the line: livemedia-creator runs Anaconda in its own mode."},
	{ID: "livemedia-root-size", Severity: SeverityError, Targets: []Target{TargetLivemedia}, Title: "No size for /",
		Hint: "Add part / --size=N (MiB), large enough for the installed system: livemedia-creator makes the root file system that size."},
	{ID: "livemedia-no-dracut-live", Severity: SeverityError, Targets: []Target{TargetLivemedia}, Title: "dracut-live not in %packages",
		Hint: "Add dracut-live to %packages."},
}

// LintRules returns every rule lint checks.
func LintRules() []LintRule { return slices.Clone(lintRules) }

// LintRuleByID returns the rule with the given ID.
func LintRuleByID(id string) (LintRule, bool) {
	i := slices.IndexFunc(lintRules, func(r LintRule) bool { return r.ID == id })
	if i < 0 {
		return LintRule{}, false
	}
	return lintRules[i], true
}

// LintOptions says what the kickstart is checked for.
type LintOptions struct {
	Target Target
	// InstallTree is set when the build sets the url command (livemedia
	// with install_tree_url; image-build always does).
	InstallTree bool
	// OwnRepos is set when the install uses the kickstart's own repos
	// (Koji --ksrepo, repo_mode = "keep"): their comps may have groups
	// Koji's repos lack.
	OwnRepos bool
}

// LintFinding is one problem lint found.
type LintFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	// File, Line and Column (1-based) say where: the file that has the
	// problem, an included one if it is there. A finding about something
	// missing points at the start of the top-level file.
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Message   string `json:"message"`
	Hint      string `json:"hint"`
	// Range is the source range, for snippets.
	Range hcl.Range `json:"-"`
}

// Diagnostic returns the finding as an HCL diagnostic, for text output
// with source snippets: the summary is the rule's title and ID, the
// detail the message and the hint.
func (f LintFinding) Diagnostic() *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Detail: f.Message}
	if f.Severity == SeverityError {
		d.Severity = hcl.DiagError
	}
	title := f.Rule
	if r, ok := LintRuleByID(f.Rule); ok {
		title = r.Title
	}
	d.Summary = fmt.Sprintf("%s [%s]", title, f.Rule)
	if f.Hint != "" {
		d.Detail += "\n\nFix: " + f.Hint
	}
	if f.Range.Filename != "" {
		d.Subject = f.Range.Ptr()
	}
	return d
}

// LintDiagnostics converts findings to HCL diagnostics.
func LintDiagnostics(findings []LintFinding) hcl.Diagnostics {
	out := make(hcl.Diagnostics, 0, len(findings))
	for _, f := range findings {
		out = append(out, f.Diagnostic())
	}
	return out
}

// LintHasErrors reports whether any finding has error severity.
func LintHasErrors(findings []LintFinding) bool {
	return slices.ContainsFunc(findings, func(f LintFinding) bool { return f.Severity == SeverityError })
}

// Lint checks a kickstart as written: the syntax for its version (the
// parse's diagnostics, each given a rule; and commands given twice) and,
// for a target, what that Koji build needs. ks and diags are what Parse
// returned. When the parse stopped early (a parse-error or
// unknown-section finding) only the syntax findings are reported: the
// rest of the kickstart was not read.
func Lint(ks *Kickstart, diags hcl.Diagnostics, opts LintOptions) []LintFinding {
	l := &linter{ks: ks, opts: opts, files: map[string]*File{}}
	for _, f := range ks.Files {
		if l.files[f.Path] == nil {
			l.files[f.Path] = f
		}
	}
	complete := l.fromDiags(diags)
	if complete && ks.h != nil {
		l.duplicateCommands()
		for _, c := range targetChecks {
			if r, _ := LintRuleByID(c.rule); r.AppliesTo(opts.Target) && opts.Target != TargetAny {
				c.check(l)
			}
		}
	}
	return l.sorted()
}

type linter struct {
	ks    *Kickstart
	opts  LintOptions
	files map[string]*File
	out   []LintFinding
}

// add records a finding of a rule; hint "" is the rule's.
func (l *linter) add(rule string, r hcl.Range, msg, hint string) {
	rl, ok := LintRuleByID(rule)
	if !ok {
		panic("kickstart: unregistered lint rule " + rule)
	}
	l.addSev(rl, rl.Severity, r, msg, hint)
}

func (l *linter) addSev(rl LintRule, sev string, r hcl.Range, msg, hint string) {
	if hint == "" {
		hint = rl.Hint
	}
	l.out = append(l.out, LintFinding{
		Rule: rl.ID, Severity: sev,
		File: r.Filename, Line: r.Start.Line, Column: r.Start.Column, EndLine: r.End.Line, EndColumn: r.End.Column,
		Message: msg, Hint: hint, Range: r,
	})
}

// top is where findings about something missing point: the start of the
// top-level file.
func (l *linter) top() hcl.Range {
	if len(l.ks.Files) == 0 {
		return hcl.Range{}
	}
	return l.ks.Files[0].rng(0, 0)
}

func (l *linter) sorted() []LintFinding {
	order := map[string]int{}
	for i, f := range l.ks.Files {
		if _, ok := order[f.Path]; !ok {
			order[f.Path] = i
		}
	}
	out := l.out[:0:0]
	seen := map[string]bool{}
	for _, f := range l.out {
		k := fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", f.Rule, f.File, f.Line, f.Column, f.Message)
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b LintFinding) int {
		oa, ok := order[a.File]
		if !ok {
			oa = len(order)
		}
		ob, ok := order[b.File]
		if !ok {
			ob = len(order)
		}
		switch {
		case oa != ob:
			return oa - ob
		case a.File != b.File:
			return strings.Compare(a.File, b.File)
		case a.Line != b.Line:
			return a.Line - b.Line
		case a.Column != b.Column:
			return a.Column - b.Column
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	if out == nil {
		out = []LintFinding{}
	}
	return out
}

// diagRules gives the parse's diagnostics, by summary, their rule. The
// ones missing here are parse errors that stop the parse.
var diagRules = map[string]string{
	"Unknown command":                    "unknown-command",
	"Removed command":                    "removed-command",
	"Unsupported command":                "invalid-command",
	"Conflicting commands":               "conflicting-commands",
	"Invalid kickstart command":          "invalid-command", // or unknown-option
	"Deprecated command":                 "deprecated-command",
	"Deprecated option":                  "deprecated-option",
	"Deprecated":                         "deprecated-option", // or deprecated-command
	"Deprecated section":                 "deprecated-section",
	"Kickstart warning":                  "duplicate-entry",
	"%ksappend is ignored":               "ksappend-ignored",
	"Byte order mark":                    "byte-order-mark",
	"Section closed by an included file": "include-closes-section",
	"Unknown kickstart section":          "unknown-section",
}

// nonFatal are the error summaries after which the parse goes on (as
// pykickstart's does, reporting them at the end): the model is complete.
var nonFatal = map[string]bool{
	"Unknown command":           true,
	"Removed command":           true,
	"Unsupported command":       true,
	"Conflicting commands":      true,
	"Invalid kickstart command": true,
}

var deprecatedOptionRe = regexp.MustCompile(`^The option (--\S+)`)

// fromDiags turns the parse's diagnostics into findings, and reports
// whether the parse read the whole kickstart.
func (l *linter) fromDiags(diags hcl.Diagnostics) bool {
	complete := true
	for _, d := range diags {
		var r hcl.Range
		if d.Subject != nil {
			r = *d.Subject
		}
		msg := d.Detail
		if msg == "" {
			msg = d.Summary
		}
		if d.Severity == hcl.DiagError && !nonFatal[d.Summary] {
			complete = false
		}
		rule, ok := diagRules[d.Summary]
		hint := ""
		switch {
		case !ok:
			// A parse error; a warning nobody gave a rule (a test keeps
			// this from happening) keeps its own severity.
			rl, _ := LintRuleByID("parse-error")
			sev := SeverityError
			if d.Severity != hcl.DiagError {
				sev = SeverityWarning
			}
			l.addSev(rl, sev, r, d.Summary+": "+msg, "")
			continue
		case d.Summary == "Invalid kickstart command" && l.unknownArg(d):
			rule = "unknown-option"
		case d.Summary == "Deprecated option":
			hint = l.replacement(r)
		case d.Summary == "Deprecated":
			if m := deprecatedOptionRe.FindStringSubmatch(d.Detail); m != nil {
				r = l.optionRange(r, m[1])
			} else {
				rule = "deprecated-command"
				hint = "The command still works in this version; move to what the message names before a later version rejects it."
			}
		}
		l.add(rule, r, msg, hint)
	}
	return complete
}

// text returns the source text of a range.
func (l *linter) text(r hcl.Range) string {
	f := l.files[r.Filename]
	if f == nil || r.Start.Byte < 0 || r.End.Byte > len(f.Src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return string(f.Src[r.Start.Byte:r.End.Byte])
}

// unknownArg reports whether a command error is about an argument the
// command does not take (argparse's "unrecognized arguments", or
// pykickstart's "Unexpected arguments") that looks like an option.
func (l *linter) unknownArg(d *hcl.Diagnostic) bool {
	if !strings.HasPrefix(d.Detail, "unrecognized arguments:") && !strings.HasPrefix(d.Detail, "Unexpected arguments") {
		return false
	}
	return d.Subject != nil && strings.HasPrefix(l.text(*d.Subject), "-")
}

// headers are the command lines and section headers, which hold options.
func (l *linter) headers() []*Command {
	out := slices.Clone(l.ks.Commands)
	for _, s := range l.ks.Sections {
		out = append(out, s.Header)
	}
	return out
}

// replacement names the current spelling of the deprecated option
// written at r: the option of the same command that sets the same
// attribute and is not deprecated.
func (l *linter) replacement(r hcl.Range) string {
	if l.ks.h == nil {
		return ""
	}
	for _, c := range l.headers() {
		for _, o := range c.Options {
			if o.Range.Filename != r.Filename || o.Range.Start.Byte != r.Start.Byte {
				continue
			}
			var acts []*action
			if strings.HasPrefix(c.Name.Value, "%") {
				acts = l.ks.h.t.sections[c.Name.Value]
			} else if cls := pyClasses[c.Class]; cls != nil {
				acts = cls.actions
			}
			for _, a := range acts {
				if a.dest == o.Dest && !a.deprecated && len(a.flags) > 0 {
					return fmt.Sprintf("Write %s instead of %s.", a.flags[0], o.Written)
				}
			}
			return ""
		}
	}
	return ""
}

// optionRange narrows a command's range to its option written as flag.
func (l *linter) optionRange(r hcl.Range, flag string) hcl.Range {
	for _, c := range l.ks.Commands {
		if c.Range != r {
			continue
		}
		for _, o := range c.Options {
			if o.Written == flag || o.Flag == flag {
				return o.Range
			}
		}
	}
	return r
}

// classBase is a command class's name without its version prefix.
func classBase(cls string) string {
	_, after, ok := strings.Cut(cls, "_")
	if !ok {
		return cls
	}
	return after
}

// commands returns the handled command lines whose class is base
// (Reboot, RootPw, ...), in order.
func (l *linter) commands(base string) []*Command {
	var out []*Command
	for _, c := range l.ks.Commands {
		if c.Status == StatusNormal && classBase(c.Class) == base {
			out = append(out, c)
		}
	}
	return out
}

func (l *linter) last(base string) *Command {
	cs := l.commands(base)
	if len(cs) == 0 {
		return nil
	}
	return cs[len(cs)-1]
}

// obj is the handler's object for a command (nil if the version lacks
// it); it holds the state every line of the command left.
func (l *linter) obj(name string) *cmdObj { return l.ks.h.peek(name) }

func (l *linter) seen(name string) bool {
	o := l.obj(name)
	return o != nil && o.seen
}

// list is a list command's lines (part, user, btrfs, ...).
func (l *linter) list(name string) []*dataObj {
	if o := l.obj(name); o != nil {
		return o.list
	}
	return nil
}

func where(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) }

// duplicateCommands reports commands that are not list commands given on
// more than one line: pykickstart merges them into one object, option by
// option, without a word.
func (l *linter) duplicateCommands() {
	first := map[string]*Command{}
	for _, c := range l.ks.Commands {
		if c.Status != StatusNormal {
			continue
		}
		cls := pyClasses[c.Class]
		if cls == nil || cls.data != "" {
			continue
		}
		f, ok := first[c.Class]
		if !ok {
			first[c.Class] = c
			continue
		}
		what := c.Name.Value
		if f.Name.Value != c.Name.Value {
			what = fmt.Sprintf("%s (the same command as %s)", c.Name.Value, f.Name.Value)
		}
		l.add("duplicate-command", c.Name.Range, fmt.Sprintf(
			"%s is given again; it was first given at %s. pykickstart keeps one %s command and applies each line on top of the ones before: options given again win, options given only earlier may stay or be reset to their defaults, and arguments are replaced.",
			what, where(f.Range), f.Name.Value), fmt.Sprintf("Keep one %s line with every option it needs.", f.Name.Value))
	}
}

// targetCheck is a rule that applies to some targets.
type targetCheck struct {
	rule  string
	check func(l *linter)
}

var targetChecks = []targetCheck{
	{"no-poweroff", (*linter).noPoweroff},
	{"no-rootpw-or-user", (*linter).noRootpwOrUser},
	{"no-zerombr", (*linter).noZerombr},
	{"no-clearpart-all", (*linter).noClearpartAll},
	{"url-overridden", (*linter).urlOverridden},
	{"plaintext-password", (*linter).plaintextPassword},
	{"koji-repo-group", (*linter).kojiRepoGroup},
	{"post-without-log", (*linter).postWithoutLog},
	{"part-root-not-primary", (*linter).partRootNotPrimary},
	{"no-root-mountpoint", (*linter).noRootMountpoint},
	{"livemedia-no-url", (*linter).livemediaNoURL},
	{"livemedia-no-network", (*linter).livemediaNoNetwork},
	{"livemedia-display-mode", (*linter).livemediaDisplayMode},
	{"livemedia-root-size", (*linter).livemediaRootSize},
	{"livemedia-no-dracut-live", (*linter).livemediaNoDracutLive},
}

func (l *linter) noPoweroff() {
	o := l.obj("reboot")
	if o == nil {
		return
	}
	if a := o.get("action"); intIs(a, ksReboot) || intIs(a, ksShutdown) {
		return
	}
	if c := l.last("Reboot"); c != nil {
		l.add("no-poweroff", c.Range, fmt.Sprintf(
			"%s leaves the VM running when the install is done: Oz (Koji's image-build) waits for the VM to stop and fails when its install timeout runs out.", c.Name.Value),
			"Use reboot (Koji makes the VM stop on reboot) or poweroff instead of "+c.Name.Value+".")
		return
	}
	l.add("no-poweroff", l.top(),
		"The kickstart has no reboot, poweroff or shutdown, so Anaconda waits at the end of the install for a key press and the VM never stops: Oz (Koji's image-build) fails when its install timeout runs out.", "")
}

func (l *linter) noRootpwOrUser() {
	if l.seen("rootpw") || len(l.list("user")) > 0 {
		return
	}
	l.add("no-rootpw-or-user", l.top(),
		"The kickstart has neither rootpw nor user, so Anaconda stops to ask for a root password and the unattended install never finishes.", "")
}

func (l *linter) noZerombr() {
	if l.seen("zerombr") {
		return
	}
	l.add("no-zerombr", l.top(),
		"The kickstart has no zerombr: Koji's image-build documentation requires it, so that Anaconda initialises the VM's empty disk without asking.", "")
}

func (l *linter) noClearpartAll() {
	o := l.obj("clearpart")
	if o == nil {
		return
	}
	c := l.last("ClearPart")
	if c == nil || !o.seen {
		l.add("no-clearpart-all", l.top(),
			"The kickstart has no clearpart: Koji's image-build documentation requires clearpart --all --initlabel, so that Anaconda uses the whole disk without asking.", "")
		return
	}
	var missing []string
	if !intIs(o.get("type"), clearpartAll) {
		missing = append(missing, "--all")
	}
	if !o.t("initAll") {
		missing = append(missing, "--initlabel")
	}
	if len(missing) == 0 {
		return
	}
	l.add("no-clearpart-all", c.Range, fmt.Sprintf(
		"clearpart lacks %s: Koji's image-build documentation requires clearpart --all --initlabel, so that Anaconda uses the whole disk without asking.",
		strings.Join(missing, " and ")), "")
}

func (l *linter) urlOverridden() {
	for _, c := range l.commands("Url") {
		l.add("url-overridden", c.Range,
			"Koji's image-build replaces url with the build's install tree: the location written here is not used (its --proxy and --ssl options stay).", "")
	}
}

func (l *linter) plaintextPassword() {
	for _, c := range l.commands("RootPw") {
		if len(c.Positionals) == 0 {
			continue
		}
		crypted := false
		for _, o := range c.Options {
			if o.Dest == "isCrypted" {
				crypted = o.Flag == "--iscrypted"
			}
		}
		if !crypted {
			l.add("plaintext-password", c.Positionals[0].Range,
				"rootpw gives the root password in plain text, and Koji publishes the kickstart with the build.", "")
		}
	}
	for _, d := range l.list("user") {
		if !d.t("password") || d.t("isCrypted") || d.cmd == nil {
			continue
		}
		r := d.cmd.Range
		for _, o := range d.cmd.Options {
			if o.Dest == "password" {
				r = o.Range
			}
		}
		l.add("plaintext-password", r, fmt.Sprintf(
			"user %s has a plain-text password, and Koji publishes the kickstart with the build.", d.s("name")), "")
	}
}

// kojiGroups are the groups a Koji build tag usually defines: the ones
// Koji's own buildroots install. A build-tag repo's comps holds only the
// tag's groups.
var kojiGroups = []string{"build", "srpm-build", "appliance-build", "livecd-build", "livemedia-build", "kiwi-build", "maven-build", "wrapper-rpm-build"}

func (l *linter) kojiRepoGroup() {
	if l.opts.OwnRepos {
		return
	}
	skipped := ""
	if l.ks.h.packages.ignoreMissing {
		skipped = " (with --ignoremissing Anaconda skips it, so its packages are silently left out)"
	}
	for _, s := range l.ks.Sections {
		if s.Name != "%packages" {
			continue
		}
		for _, b := range s.Body {
			text := trimBreak(b.Text)
			text, _, _ = strings.Cut(text, "#")
			item := pyStrip(text)
			if !strings.HasPrefix(item, "@") {
				continue
			}
			name, kind := item[1:], "group"
			if strings.HasPrefix(name, "^") {
				name, kind = name[1:], "environment"
			}
			if f := pyFields(name); len(f) > 0 && kind == "group" {
				name = f[0]
			}
			if kind == "group" && slices.Contains(kojiGroups, name) {
				continue
			}
			start := b.Range.Start.Byte + strings.Index(text, "@")
			r := b.Range
			if f := l.files[b.Range.Filename]; f != nil {
				r = f.rng(start, start+len(item))
			}
			l.add("koji-repo-group", r, fmt.Sprintf(
				"%s is a comps %s: Koji's build-tag repos only carry the groups defined on the Koji tag (such as build and srpm-build) and no environments, so Anaconda cannot find it there unless the build uses repos whose comps define it%s.",
				item, kind, skipped), "")
		}
	}
}

func (l *linter) postWithoutLog() {
	for _, s := range l.ks.Sections {
		if s.Name != "%post" || s.Dropped {
			continue
		}
		if slices.ContainsFunc(s.Header.Options, func(o Option) bool { return o.Dest == "log" }) {
			continue
		}
		l.add("post-without-log", s.Header.Range,
			"This %post has no --log: when it fails in the VM, nothing records what it printed. Koji's image-build documentation asks for %post --log.", "")
	}
}

func (l *linter) partRootNotPrimary() {
	for _, d := range l.list("part") {
		if d.s("mountpoint") != "/" || d.t("primOnly") || d.cmd == nil {
			continue
		}
		l.add("part-root-not-primary", d.cmd.Range,
			"part / has no --asprimary: Koji's image-build documentation recommends it, so / is a primary partition (EC2 expects the root file system first).", "")
	}
}

func (l *linter) noRootMountpoint() {
	for _, d := range l.list("part") {
		if d.s("mountpoint") == "/" {
			return
		}
	}
	for _, d := range l.list("btrfs") {
		if d.t("subvol") && d.s("mountpoint") == "/" {
			return
		}
	}
	l.add("no-root-mountpoint", l.top(),
		`The kickstart has no part / and no btrfs subvolume mounted at /: Koji's appliance task fails with 'kickstart lacks a "/" mountpoint', and only after the whole build.`, "")
}

func (l *linter) livemediaNoURL() {
	if l.opts.InstallTree || l.seen("url") {
		return
	}
	l.add("livemedia-no-url", l.top(),
		"The kickstart has no url command: livemedia-creator --no-virt only installs from url (and Koji always adds repo lines, which need url), and Koji sets url only when the build gives --install-tree-url.", "")
}

func (l *linter) livemediaNoNetwork() {
	if l.seen("network") {
		return
	}
	l.add("livemedia-no-network", l.top(),
		"The kickstart has no network command: livemedia-creator refuses a url install that does not activate networking.", "")
}

func (l *linter) livemediaDisplayMode() {
	for _, c := range l.commands("DisplayMode") {
		l.add("livemedia-display-mode", c.Range, fmt.Sprintf(
			"livemedia-creator refuses a kickstart that sets a display mode (%s): it would interfere with how it runs Anaconda.", c.Name.Value), "")
	}
}

func (l *linter) livemediaRootSize() {
	var root *dataObj
	for _, d := range l.list("part") {
		if d.s("mountpoint") == "/" {
			root = d // livemedia-creator keeps the last part / line
		}
	}
	switch {
	case root == nil:
		l.add("livemedia-root-size", l.top(),
			"The kickstart has no part /: livemedia-creator sizes the root file system image from part / --size, so it would be 2 MiB and the install fails.", "")
	case !root.t("size") && root.cmd != nil:
		l.add("livemedia-root-size", root.cmd.Range,
			"part / has no --size: livemedia-creator sizes the root file system image from it and fails without one.", "")
	}
}

func (l *linter) livemediaNoDracutLive() {
	if l.ks.h.packages.pkgs["dracut-live"] {
		return
	}
	r := l.top()
	for _, s := range l.ks.Sections {
		if s.Name == "%packages" {
			r = s.Header.Range
			break
		}
	}
	l.add("livemedia-no-dracut-live", r,
		"%packages does not list dracut-live: livemedia-creator --make-iso refuses to start without it (the live initramfs needs it).", "")
}
