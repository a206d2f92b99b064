// Package exec is the exec stage kind: it runs one command on the host (or
// through the stage's executor) and keeps the files it writes into
// $IMGPIPE_OUT as the stage's outputs, like Packer's shell-local.
//
// It is not a shell: command is an argv list, run as given. Use
// ["sh", "-c", "..."] for shell syntax.
package exec
