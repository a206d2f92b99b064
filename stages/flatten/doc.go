// Package flatten is the flatten stage kind (docs/architecture.md#stage-kinds): it parses a
// kickstart with pykickstart's semantics (package kickstart), follows its
// includes inside the fetched tree, writes the canonical form Koji hands
// the installer, and applies Koji's repo and url rewrite.
package flatten
