// Package chroot is the chroot stage kind (DESIGN §3).
//
// Run commands in a container build root prepared from an image, packages and setup commands.
// Only its declaration exists so far: recipes using it validate and plan.
package chroot
