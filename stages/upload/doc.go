// Package upload is the upload stage kind (DESIGN §3).
//
// Publish artifacts into the store's builds or push them to an OCI registry.
// Only its declaration exists so far: recipes using it validate and plan.
package upload
