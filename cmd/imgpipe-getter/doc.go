// Command imgpipe-getter runs go-getter v1 for imgpipe's fetch-ks: one
// JSON request on standard input, one JSON response on standard output. It
// is installed beside imgpipe and run by it; see internal/gogetter.
package main
