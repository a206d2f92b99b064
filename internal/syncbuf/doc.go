// Package syncbuf is a bytes.Buffer that goroutines may write and read at
// the same time, and that a reader can wait on: the output of a process
// collected while it runs, for a log or a test's assertion.
//
// It is not a pipe: reading consumes nothing, and String returns all that
// was written.
package syncbuf
