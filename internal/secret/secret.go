package secret

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Marker replaces a secret in what imgpipe shows and records.
const Marker = "[sensitive]"

// MinLength is the length under which a value is not masked as a string:
// masking "a" or "on" everywhere would wreck every log. Such values are
// still masked where their place says they are secret (a URL's password,
// a kickstart's rootpw).
const MinLength = 4

// Set is a set of secret strings, safe for concurrent use. The zero Set is
// empty and ready; a nil *Set masks URL credentials only.
type Set struct {
	mu       sync.RWMutex
	values   map[string]bool
	replacer *strings.Replacer // nil: nothing to replace, or not built yet
}

// Add adds values to the set, leaving out those shorter than MinLength.
func (s *Set) Add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) < MinLength || s.values[v] {
			continue
		}
		if s.values == nil {
			s.values = map[string]bool{}
		}
		s.values[v] = true
		s.replacer = nil
	}
}

// Values returns the set's values, longest first.
func (s *Set) Values() []string {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sorted()
}

func (s *Set) sorted() []string {
	out := make([]string, 0, len(s.values))
	for v := range s.values {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return out
}

// Mask returns text with the credentials of the URLs in it (MaskURLs) and
// every occurrence of the set's values replaced by Marker; where two
// values overlap, the longest wins. The URL credentials it finds join the
// set, so that the same value is masked where it appears alone.
func (s *Set) Mask(text string) string {
	text, found := MaskURLs(text)
	if s == nil {
		return text
	}
	s.Add(found...)
	if rep := s.replacerFor(); rep != nil {
		text = rep.Replace(text)
	}
	return text
}

// Contains reports whether text holds one of the set's values.
func (s *Set) Contains(text string) bool {
	for _, v := range s.Values() {
		if strings.Contains(text, v) {
			return true
		}
	}
	return false
}

func (s *Set) replacerFor() *strings.Replacer {
	s.mu.RLock()
	rep, n := s.replacer, len(s.values)
	s.mu.RUnlock()
	if rep != nil || n == 0 {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replacer == nil {
		// A Replacer tries its pairs in order at each position: longest
		// first, so a value is not half masked by a shorter one inside it.
		var pairs []string
		for _, v := range s.sorted() {
			pairs = append(pairs, v, Marker)
		}
		s.replacer = strings.NewReplacer(pairs...)
	}
	return s.replacer
}

// IsSecretName reports whether a name (an environment variable's, a URL
// query parameter's) says its value is a secret: it contains, in any case,
// PASSWORD, PASSWD, TOKEN, SECRET, CREDENTIAL, SIGNATURE, API_KEY, APIKEY,
// API-KEY or PRIVATE_KEY.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

var secretWords = []string{"password", "passwd", "token", "secret", "credential", "signature", "api_key", "apikey", "api-key", "private_key"}

// secretParams are query parameters that hold credentials besides those
// IsSecretName recognises: signatures (Azure SAS's sig), go-getter's sshkey
// (a base64 private key) and short names services use.
var secretParams = []string{"sig", "auth", "sshkey", "pwd", "pass", "key"}

// IsSecretParam reports whether a URL query parameter holds a credential:
// IsSecretName says so (token, access_token, client_secret,
// X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token,
// X-Goog-Signature, ...), or it is one of sig, auth, sshkey, pwd, pass and
// key.
func IsSecretParam(name string) bool {
	return IsSecretName(name) || slices.Contains(secretParams, strings.ToLower(name))
}

// MaskURLs returns text with the credentials of every URL in it replaced
// by Marker: the password of a scheme://user:password@host, and the values
// of credential-like query parameters (IsSecretParam). It also returns the
// credentials it masked, as written and, when that differs, decoded.
func MaskURLs(text string) (string, []string) {
	if !strings.Contains(text, "://") {
		return text, nil
	}
	var spans [][2]int
	for from := 0; ; {
		i := strings.Index(text[from:], "://")
		if i < 0 {
			break
		}
		start := from + i + 3
		end := start + urlEnd(text[start:])
		spans = append(spans, urlCredentials(text, start, end)...)
		from = max(end, start)
	}
	if len(spans) == 0 {
		return text, nil
	}
	var b strings.Builder
	var found []string
	last := 0
	for _, sp := range spans {
		raw := text[sp[0]:sp[1]]
		found = append(found, raw)
		if dec, err := url.QueryUnescape(raw); err == nil && dec != raw {
			found = append(found, dec)
		}
		b.WriteString(text[last:sp[0]])
		b.WriteString(Marker)
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String(), found
}

// MaskURL returns a URL with its credentials replaced by Marker (see
// MaskURLs), for recording where it came from.
func MaskURL(raw string) string {
	masked, _ := MaskURLs(raw)
	return masked
}

// urlEnd is the length of the URL at the start of s (after "://"): up to
// white space, a quote or angle bracket, or a backslash.
func urlEnd(s string) int {
	if i := strings.IndexAny(s, " \t\r\n\"'`<>\\"); i >= 0 {
		return i
	}
	return len(s)
}

// urlCredentials returns the byte ranges of the credentials in the URL
// text[start:end], which starts after its "://", in order.
func urlCredentials(text string, start, end int) [][2]int {
	var spans [][2]int
	u := text[start:end]
	authEnd := len(u)
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		authEnd = i
	}
	if at := strings.LastIndex(u[:authEnd], "@"); at >= 0 {
		if c := strings.Index(u[:at], ":"); c >= 0 && c+1 < at {
			spans = append(spans, [2]int{start + c + 1, start + at})
		}
	}
	q := strings.Index(u[authEnd:], "?")
	if q < 0 {
		return spans
	}
	q += authEnd + 1
	query := u[q:]
	if h := strings.Index(query, "#"); h >= 0 {
		query = query[:h]
	}
	off := start + q
	for _, param := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		pos := off + strings.Index(text[off:], param)
		off = pos + len(param)
		rawName, value, ok := strings.Cut(param, "=")
		if !ok || value == "" {
			continue
		}
		name := rawName
		if dec, err := url.QueryUnescape(rawName); err == nil {
			name = dec
		}
		if IsSecretParam(name) {
			spans = append(spans, [2]int{pos + len(rawName) + 1, pos + len(param)})
		}
	}
	return spans
}
