// Package kojihubtest is a fake Koji hub for tests: an HTTPS server
// (httptest, its own CA) that answers XML-RPC calls with responses
// recorded by Koji's own marshalling code. testdata/record.py writes them
// (testdata/README.md says how to run it): each scenario, testdata/NAME.py,
// lists calls (a method and its arguments, as koji's encode_args sends
// them) and their results or faults, and becomes testdata/NAME/, the
// response bytes koji.xmlrpcplus.dumps writes and calls.json, which maps
// each call to its file. Response reads one recording without a server.
// The scenarios serve every CLI test of Koji (cmd/imgpipe's testscript
// command `kojihub`): quickstart for koji diff, koji-replay for koji
// replay.
//
// The hub can misbehave, by the first element of the path it is called
// at (Hub.At): /hang never answers, /garbage answers with what is not
// XML-RPC, /huge answers without end, /offline answers every call with
// Koji's ServerOffline fault, /broken with HTTP 502. A call nothing was
// recorded for gets HTTP 500 saying so.
//
// It is not a hub: it knows no method, keeps no state and checks no
// authentication.
package kojihubtest
