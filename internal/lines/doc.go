// Package lines splits a byte stream into lines: the output of a process,
// written in chunks of any size, turned into one call per line for a log
// and an event stream.
//
// It is not a scanner over a reader: it is an io.Writer that a process's
// stdout and stderr can share. Lines are bounded: a line longer than
// MaxLine is cut into pieces of at most MaxLine bytes, each but the last
// ending with the marker Continued, so that output with no newline never
// grows a buffer without bound and a reader sees where a line was cut.
package lines
