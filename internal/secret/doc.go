// Package secret keeps secrets out of what imgpipe shows and records: a Set
// of secret strings that masks them in any text (Set.Mask), the credentials
// of URLs (userinfo passwords and credential-like query parameters, found
// in any text by MaskURLs), and the names that make an environment
// variable secret (IsSecretName). docs/reliability-secrets.md says what is
// a secret and where it may appear.
//
// It is a leaf: it knows no recipe, stage or store. The engine fills a Set
// with the secrets of a plan and of a run, and every sink of the run masks
// its text with it; it does not keep secrets from the processes that need
// them.
package secret
