// Command imgpipe builds OS images from recipes: HCL files, or Koji's
// image-build INI.
//
// This package is the command line only: flags, wiring, output, and the one
// place errors become exit codes (0 success, 1 build failed, 2 invalid
// input, 130 interrupted). The work happens in engine and stages.
package main
