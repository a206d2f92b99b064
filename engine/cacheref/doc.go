// Package cacheref reads a team cache's reference (oci://host[:port]/repo):
// the syntax only, so that a recipe can check its cache block without the
// cache's machinery. It does not reach any registry; engine/cache and
// engine/cache/oci do (docs/team-cache.md).
package cacheref
