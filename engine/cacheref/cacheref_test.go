package cacheref

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"localhost:5000/imgpipe-cache", "oci://localhost:5000/imgpipe-cache", ""},
		{"oci://registry.example.com/team/cache", "oci://registry.example.com/team/cache", ""},
		{"127.0.0.1:5000/a__b/c.d", "oci://127.0.0.1:5000/a__b/c.d", ""},
		{"[::1]:5000/cache", "oci://[::1]:5000/cache", ""},
		{"localhost:5000", "", "names no repository"},
		{"localhost:5000/cache:latest", "", "without a tag or digest"},
		{"localhost:5000/cache@sha256:00", "", "without a tag or digest"},
		{"localhost:5000/Cache", "", "lower-case"},
		{"https://localhost:5000/cache", "", "a cache is oci://"},
		{"bad host/cache", "", "not a registry host"},
		{"", "", "names no repository"},
	} {
		r, err := ParseRef(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseRef(%q) = %v, %v; want an error saying %q", tc.in, r, err, tc.err)
		case tc.err == "" && (err != nil || r.String() != tc.want):
			t.Errorf("ParseRef(%q) = %v, %v; want %s", tc.in, r, err, tc.want)
		}
	}
}
