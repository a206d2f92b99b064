// Package inputlimit holds the bounds imgpipe puts on the configuration it
// parses (recipes, Koji INIs, variable files, kickstarts) and reads a file
// without ever reading more than its bound, so a huge or deeply nested input
// fails in well under a second with a clear error instead of taking minutes
// or overflowing the stack. docs/reliability-recipe-limits.md gives each
// value and why.
//
// It is a leaf: it knows files and numbers, not HCL or kickstarts; the
// readers of each format turn a TooLargeError into their own diagnostic.
package inputlimit
