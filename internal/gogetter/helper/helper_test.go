package helper

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	getter "github.com/hashicorp/go-getter"

	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// imgpipe decides some things about go-getter sources without the helper
// (package gogetter's pure functions); these tests hold them to go-getter.

func TestFormatsAreGoGetters(t *testing.T) {
	want := slices.Sorted(maps.Keys(getter.LimitedDecompressors(1, 1)))
	if !slices.Equal(gogetter.Formats, want) {
		t.Errorf("gogetter.Formats = %q, go-getter unpacks %q", gogetter.Formats, want)
	}
	for _, f := range gogetter.Formats {
		_, single := decompressors(gogetter.Limits{MaxFiles: 1, MaxUnpacked: 1})[f].(strictSingle)
		if single != gogetter.SingleFile(f) {
			t.Errorf("SingleFile(%s) = %v, but its decompressor is strictSingle: %v", f, gogetter.SingleFile(f), single)
		}
	}
}

var sourceSeeds = []string{
	"", "//", "a//b", "https://host/repo.git//sub/dir?ref=v1", "git::https://host/repo//sub?ref=x&depth=1",
	"https://host/a?u=https://other//x", "s3::https://s3.amazonaws.com/b/k.tar.gz//ks", "file:///a//b",
	"git@github.com:org/repo.git//sub?ref=main", "github.com/org/repo//sub", "x::", "GIT::HTTPS://H/R//S",
	"https://host//", "git::ssh://git@host/r.git?ref=a//b", "::x", "a::b::c", "git::\nhttps://h/r",
	"git::github.com/org/repo\n", "%zz://host/x", "http://[::1", "c:\\path\\to", "./rel//x",
}

func FuzzSourceDirSubdir(f *testing.F) {
	for _, s := range sourceSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gotSrc, gotSub := gogetter.SourceDirSubdir(s)
		wantSrc, wantSub := getter.SourceDirSubdir(s)
		if gotSrc != wantSrc || gotSub != wantSub {
			t.Errorf("SourceDirSubdir(%q) = %q, %q; go-getter's: %q, %q", s, gotSrc, gotSub, wantSrc, wantSub)
		}
	})
}

// FuzzNeedsDetect checks that a source NeedsDetect calls final is one
// go-getter's Detect returns unchanged, and ForcedGetter against the force
// Detect keeps.
func FuzzNeedsDetect(f *testing.F) {
	for _, s := range sourceSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if gogetter.NeedsDetect(s) {
			return
		}
		got, err := getter.Detect(s, "/pwd", detectors())
		if err != nil || got != s {
			t.Errorf("NeedsDetect(%q) = false, but go-getter's Detect returns %q, %v", s, got, err)
		}
	})
}

func TestForcedGetter(t *testing.T) {
	for _, s := range sourceSeeds {
		force, rest := gogetter.ForcedGetter(s)
		if force == "" {
			if rest != s {
				t.Errorf("ForcedGetter(%q) = %q, %q", s, force, rest)
			}
			continue
		}
		// Detect keeps the force in front of what it detects.
		if got, err := getter.Detect(s, "/pwd", detectors()); err == nil && !strings.HasPrefix(got, force+"::") {
			t.Errorf("ForcedGetter(%q) = %q; Detect gives %q", s, force, got)
		}
	}
}

func TestServe(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		code     int
		errHas   string
		detected string
	}{
		{"detect", `{"version":2,"op":"detect","src":"git@github.com:org/repo.git","limits":{}}`, 0, "", "git::ssh://git@github.com/org/repo.git"},
		{"detect forced", `{"version":2,"op":"detect","src":"git::github.com/org/repo//ks?ref=v1","limits":{}}`, 0, "", "git::https://github.com/org/repo.git//ks?ref=v1"},
		{"other version", `{"version":7,"op":"detect","src":"x","limits":{}}`, 0, "come from different builds", ""},
		{"unknown op", `{"version":2,"op":"put","src":"x","limits":{}}`, 0, `unknown operation "put"`, ""},
		{"unknown mode", `{"version":2,"op":"get","src":"x","mode":"all","limits":{}}`, 0, `unknown mode "all"`, ""},
		{"unknown format", `{"version":2,"op":"unpack","src":"x","format":"rar","limits":{}}`, 0, `unknown archive format "rar"`, ""},
		{"unknown field", `{"version":2,"op":"detect","src":"x","extra":1}`, 2, "", ""},
		{"not json", `fetch x`, 2, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := serve(context.Background(), strings.NewReader(tt.in), &out)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d", code, tt.code)
			}
			if code != 0 {
				if out.Len() != 0 {
					t.Errorf("wrote %q with exit code %d", out.String(), code)
				}
				return
			}
			var resp gogetter.Response
			if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
				t.Fatalf("response %q: %v", out.String(), err)
			}
			if !strings.Contains(resp.Error, tt.errHas) || (tt.errHas == "") != (resp.Error == "") {
				t.Errorf("error %q, want one containing %q", resp.Error, tt.errHas)
			}
			if resp.Detected != tt.detected {
				t.Errorf("detected %q, want %q", resp.Detected, tt.detected)
			}
		})
	}
}
