// Package diagtest checks the diagnostics of a test input against
// expectations written in the input itself, for tests only: it reports
// through testing.TB.
//
// An expectation is a # comment naming a severity and the exact summary of
// one diagnostic whose subject starts on a given line:
//
//	repo_mode = "overide" # ERROR: Invalid value for repo_mode
//	arches = ["ppc64el"]  # WARNING: Executor arch not built
//
// Written after other text, as above, it speaks of its own line; a line
// may carry several, one after the other (# ERROR: A # ERROR: B), and two
// alike expect two diagnostics. Written on a line of its own, it speaks of
// the next line that is not itself such a comment, so expectations can be
// stacked above a line. INI files need this form, for ConfigParser takes a #
// after a value as part of the value:
//
//	# ERROR: Unknown image format
//	# WARNING: Whitespace around list item
//	format = qcow2,
//	  vmdk2
//
// The same syntax serves HCL recipes and Koji INIs alike.
//
// Every diagnostic must meet one expectation of the same file, line,
// severity and summary, and every expectation one diagnostic. Columns,
// details and the ends of ranges are not compared: a test that cares checks
// them itself. It is not a renderer of diagnostics for users; see
// hcl.NewDiagnosticTextWriter for that.
package diagtest
