// Package termrelay connects a person at a terminal to a virtual machine's
// serial console: it copies the console to the terminal and the keys to the
// console, byte for byte, and keeps a few keys after an escape (Ctrl-A, as
// qemu's own multiplexer and screen do) for itself: Ctrl-A x quits, Ctrl-A h
// lists the keys, Ctrl-A a sends a Ctrl-A.
//
// It is the only path between the terminal and the machine: the VM's
// process never gets the terminal, so nothing it does to it (non-blocking
// mode, a mode it never restores) outlives it, and every key typed is read
// by imgpipe and goes to the guest, none is left for the shell to run.
//
// It does not put the terminal in raw mode or restore it (Terminal does,
// for the caller) and does not start the machine.
package termrelay
