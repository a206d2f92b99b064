// Package shquote quotes words for a POSIX shell, as command lines are
// written in logs, build-root scripts and `koji spin-*` lines: a word of
// safe characters stays as it is, anything else goes in single quotes. It
// does not parse shell (kickstart's shlex is in package kickstart).
package shquote
