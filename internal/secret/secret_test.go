package secret

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestMaskURLs(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		found    []string
	}{
		{"https://example.org/ks.cfg", "https://example.org/ks.cfg", nil},
		{"fetching https://bob:hunter2@example.org/ks.cfg now", "fetching https://bob:[sensitive]@example.org/ks.cfg now", []string{"hunter2"}},
		{"https://bob@example.org/x", "https://bob@example.org/x", nil},
		{"git+https://u:p%40ss@h/repo.git?ks#main", "git+https://u:[sensitive]@h/repo.git?ks#main", []string{"p%40ss", "p@ss"}},
		{"https://h/ks?token=abc123&ref=main", "https://h/ks?token=[sensitive]&ref=main", []string{"abc123"}},
		{"https://h/ks?X-Amz-Signature=dead&X-Amz-Credential=AK%2F1#frag", "https://h/ks?X-Amz-Signature=[sensitive]&X-Amz-Credential=[sensitive]#frag", []string{"dead", "AK%2F1", "AK/1"}},
		{"git::https://h/r.git//sub?ref=v1&sshkey=LS0t", "git::https://h/r.git//sub?ref=v1&sshkey=[sensitive]", []string{"LS0t"}},
		{`"url": "https://h/a?access_token=t0k"`, `"url": "https://h/a?access_token=[sensitive]"`, []string{"t0k"}},
		{"a https://u:one@h/ and https://h/?sig=two end", "a https://u:[sensitive]@h/ and https://h/?sig=[sensitive] end", []string{"one", "two"}},
		{"https://h/?token=", "https://h/?token=", nil},
		{"://", "://", nil},
		{"x://:@", "x://:@", nil},
	} {
		got, found := MaskURLs(tc.in)
		if got != tc.want || !slices.Equal(found, tc.found) {
			t.Errorf("MaskURLs(%q) = %q, %q; want %q, %q", tc.in, got, found, tc.want, tc.found)
		}
	}
}

func TestSetMask(t *testing.T) {
	var s Set
	s.Add("abc", "hunter2", "hunter2-extended", "")
	if got := s.Values(); !slices.Equal(got, []string{"hunter2-extended", "hunter2"}) {
		t.Fatalf("Values = %q; short values must be left out, longest first", got)
	}
	// In order: the URL's password joins the set, then is masked alone.
	for _, tc := range []struct{ in, want string }{
		{"pw=hunter2 and hunter2-extended; abc", "pw=[sensitive] and [sensitive]; abc"},
		{"nothing here", "nothing here"},
		{"https://u:fromurl@h/", "https://u:[sensitive]@h/"},
		{"fromurl alone", "[sensitive] alone"},
	} {
		if got := s.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !s.Contains("x hunter2 y") || s.Contains("hunter") {
		t.Error("Contains is wrong")
	}
	// The marker itself is never re-masked by a value inside it.
	s.Add("sensitive")
	if got := s.Mask("hunter2"); got != Marker {
		t.Errorf("Mask = %q, want %q", got, Marker)
	}
}

func TestNilSet(t *testing.T) {
	var s *Set
	s.Add("hunter2")
	if got := s.Mask("hunter2 https://u:pw12@h/"); got != "hunter2 https://u:[sensitive]@h/" {
		t.Errorf("nil Set masks %q", got)
	}
}

func TestSetConcurrent(t *testing.T) {
	var s Set
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := strings.Repeat("s", 4+i)
			s.Add(v)
			if got := s.Mask(v); got != Marker {
				t.Errorf("Mask(%q) = %q", v, got)
			}
		}()
	}
	wg.Wait()
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "github_token": true, "AWS_SECRET_ACCESS_KEY": true, "Api-Key": true,
		"HOME": false, "PATH": false, "ARCH": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v", name, got)
		}
	}
	if !IsSecretParam("sig") || !IsSecretParam("X-Amz-Security-Token") || IsSecretParam("ref") {
		t.Error("IsSecretParam is wrong")
	}
}
