// Package download bounds how long an HTTP download may wait: an idle
// timeout (no byte from the server for a while) and a total timeout on
// every request, its response headers and body alike, through one
// http.RoundTripper that any client can wrap its transport in.
//
// A server that trickles one byte every few seconds never trips a read
// deadline of the standard library (there is none on a body), and a
// context deadline alone cannot tell "slow" from "stuck". The transport
// here cancels the request with a *TimeoutError, which names the URL
// (without its user and password), the limit and the environment variable
// that changes it.
//
// The limits come from the environment (FromEnv), not from a recipe: how
// patient to be depends on the machine's network, not on what is built;
// a stage's timeout meta-argument bounds a whole stage from the recipe.
//
// It is not an HTTP client of its own: redirects, proxies, TLS and
// retries stay with the caller's client.
package download
