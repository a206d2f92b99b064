// Package kickstart parses Anaconda kickstart files and writes them out
// exactly as pykickstart does: the same canonical form ksflatten prints
// and Koji's builder hands to the installer, byte for byte.
//
// Koji parses every kickstart with pykickstart, rewrites its repos and url
// and writes str(handler): not the user's text but a re-rendering in which
// commands are sorted by priority, options re-ordered and re-quoted,
// repeated commands merged option by option, comments dropped, %packages
// sorted and de-duplicated, and includes followed. This package reproduces
// that for every version of pykickstart 3.74 (FC3 to F45, DEVEL being F45,
// and RHEL3 to RHEL11), including its lexing (shlex rules, "#" comments in
// the middle of words, every line break Python's str.splitlines knows),
// %include lookup, scripts and the sections it keeps as text, and its
// quirks (a whitespace-only script's body leaking into the next one, "%end"
// glued to "%anaconda").
//
// Where pykickstart crashes or silently loses text, Parse reports a
// diagnostic with the file, line and column instead: invalid UTF-8,
// unbalanced quotes, an include loop (with its chain), a section an
// included file leaves open, a lone "-" in %packages, a missing include
// (naming the including file and line). Inputs are bounded
// (internal/inputlimit): 16 MiB with everything included, 1,000 %include
// lines followed, 1,000 instances of one command.
//
// # Use
//
//	ks, diags := kickstart.Parse(path, src, kickstart.Options{
//		Version:  kickstart.F45,
//		Resolver: kickstart.DirResolver{}, // includes relative to the includer, as Koji
//	})
//	if diags.HasErrors() { ... }
//	original := ks.String()              // what ksflatten prints
//	ks.Rewrite(kickstart.KojiRewrite{Repos: urls, InstallTree: tree})
//	rewritten := ks.String()             // what Koji hands the installer
//
// Warnings in diags are what pykickstart warns about (duplicate partitions,
// repos, users) or hides (deprecated commands and options); Findings turns
// diagnostics into JSON-friendly records.
//
// # Model
//
// Besides the rendering, a Kickstart holds the syntax as read, for tools
// that check kickstarts: every file (Files), every command line with its
// words, the options the option parser matched as written and with their
// ranges, and its status (Commands), every section with its header, body
// lines and %end (Sections), every %include and %ksappend. Preserved gives
// the user's text with the includes inlined.
//
// # How it is built
//
// tables_gen.go holds facts read off pykickstart's handlers by
// internal/gen/tables.py: which class handles each command in each version,
// the argparse actions of its option parser, the attributes a fresh object
// starts with, write priorities. What each class's parse() checks and
// __str__() prints is written by hand in commands.go and data.go (and, for
// the classes only FC3 to F21 and RHEL3 to RHEL6 use, commands_old.go);
// argparse, shlex and the Python string semantics they rely on are
// reimplemented in argparse.go, shlex.go and py.go.
// internal/gen/record_oracle_old.py records pykickstart's own output for
// the oracle test (oracle_test.go).
package kickstart
