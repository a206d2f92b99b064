// Package fetchks is the fetch-ks stage kind (DESIGN §3).
//
// Fetch a kickstart and the tree around it: a Koji SCM URL, a local path, http(s) or any go-getter URL.
// Only its declaration exists so far: recipes using it validate and plan.
package fetchks
