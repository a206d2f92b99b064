// Package bigconfig writes configuration that is large, deep or wide on
// purpose: recipes, Koji INIs and kickstarts that test and measure imgpipe's
// input limits (internal/inputlimit) and that validation stays linear. The
// tests (`gen` in cmd/imgpipe's scripts) and bench/validatebench share it.
// It writes text only; it knows nothing of how imgpipe reads it.
package bigconfig
