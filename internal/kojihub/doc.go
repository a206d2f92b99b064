// Package kojihub is a client for Koji's hub: anonymous XML-RPC calls over
// HTTPS, the way Koji's own ClientSession makes them (koji/__init__.py
// _prepCall, _sendOneCall; the wire format of koji/xmlrpcplus.py), and
// the server URL of a koji CLI profile (ReadProfile, as koji's read_config
// reads /etc/koji.conf.d/*.conf, /etc/koji.conf, ~/.koji/config.d/*.conf
// and ~/.koji/config).
//
// It decodes a response into plain Go values (Call's doc lists them) and
// offers typed helpers for the calls imgpipe makes (GetTaskInfo,
// GetTaskChildren, GetTaskResult, GetBuild, ListArchives, ListRPMs).
// Every call is bounded: TLS is verified (a profile's serverca is the
// trusted CA when set), a call that takes longer than Options.Timeout is
// abandoned, and a response larger than Options.MaxResponseBytes is
// refused. Every error is an *Error naming the hub and the method; a
// Koji fault is a *Fault inside it.
//
// It is not a Koji session: it never logs in, retries or keeps state
// between calls (a read-only client needs none of it), and it knows
// nothing of imgpipe's recipes (cmd/imgpipe turns Koji's data into those).
// The fake hub tests use is kojihubtest.
package kojihub
