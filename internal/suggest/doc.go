// Package suggest finds the name a user probably meant, for "did you mean"
// hints in diagnostics and command-line errors. It is not a fuzzy search.
package suggest
