package kickstart

import (
	"math/big"
	"strings"
	"unicode"
)

// This file holds the bits of Python's string semantics that pykickstart's
// behaviour depends on: which characters are whitespace (str.isspace,
// str.strip, str.split), where lines break (str.splitlines), how values
// print (str(), %s, %d) and are compared, os.path.normpath.

// pySpace reports whether r is whitespace to Python's str methods:
// characters of bidirectional class WS, B or S, or of category Zs.
func pySpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0d, r >= 0x1c && r <= 0x20:
		return true
	case r < 0x80:
		return false
	case r == 0x85, r == 0xa0, r == 0x1680, r >= 0x2000 && r <= 0x200a,
		r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// pyStrip is str.strip().
func pyStrip(s string) string { return strings.TrimFunc(s, pySpace) }

// pyLStrip is str.lstrip().
func pyLStrip(s string) string { return strings.TrimLeftFunc(s, pySpace) }

// pyRStrip is str.rstrip().
func pyRStrip(s string) string { return strings.TrimRightFunc(s, pySpace) }

// pyIsSpace is str.isspace(): true for a non-empty string of whitespace.
func pyIsSpace(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !pySpace(r) {
			return false
		}
	}
	return true
}

// pyFields is str.split() without arguments.
func pyFields(s string) []string { return strings.FieldsFunc(s, pySpace) }

// lineBreakLen returns the length of the line break starting at s[i], or 0.
// These are the breaks of str.splitlines: \n, \r, \r\n, \v, \f, \x1c, \x1d,
// \x1e, U+0085, U+2028 and U+2029.
func lineBreakLen(s string, i int) int {
	switch c := s[i]; c {
	case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e:
		return 1
	case '\r':
		if i+1 < len(s) && s[i+1] == '\n' {
			return 2
		}
		return 1
	case 0xc2:
		if i+1 < len(s) && s[i+1] == 0x85 {
			return 2
		}
	case 0xe2:
		if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
			return 3
		}
	}
	return 0
}

// splitLines is str.splitlines(True): the lines of s with their line
// breaks, as [start, end) byte offsets.
func splitLines(s string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(s); {
		if n := lineBreakLen(s, i); n > 0 {
			out = append(out, [2]int{start, i + n})
			i += n
			start = i
			continue
		}
		i++
	}
	if start < len(s) {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// Python values. pykickstart's command objects are plain Python objects
// whose attributes the option parser sets; they are modelled as maps from
// attribute name to one of: nil (None), bool, *big.Int, string, []string,
// []teamSlave.
type Value = any

type attrs map[string]Value

func (a attrs) clone() attrs {
	b := make(attrs, len(a))
	for k, v := range a {
		b[k] = v
	}
	return b
}

// teamSlave is one (device, config) pair of network --teamslaves.
type teamSlave struct{ dev, cfg string }

func pyInt(n int64) *big.Int { return big.NewInt(n) }

// truthy is Python's bool(v).
func truthy(v Value) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case *big.Int:
		return x.Sign() != 0
	case string:
		return x != ""
	case []string:
		return len(x) > 0
	case []teamSlave:
		return len(x) > 0
	}
	return true
}

// pyStr is str(v), also what "%s" % v prints.
func pyStr(v Value) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case *big.Int:
		return x.String()
	case string:
		return x
	case []string:
		var b strings.Builder
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyRepr(s))
		}
		b.WriteByte(']')
		return b.String()
	case []teamSlave:
		var b strings.Builder
		b.WriteByte('[')
		for i, t := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + pyRepr(t.dev) + ", " + pyRepr(t.cfg) + ")")
		}
		b.WriteByte(']')
		return b.String()
	}
	return ""
}

// pyD is "%d" % v for an int (or a bool, which Python prints as 1 or 0).
func pyD(v Value) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "1"
		}
		return "0"
	case *big.Int:
		return x.String()
	}
	return pyStr(v)
}

// pyRepr is repr() of a string, close enough for messages.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// intIs reports whether v is the Python int n (False and True compare equal
// to 0 and 1, as in Python).
func intIs(v Value, n int64) bool {
	switch x := v.(type) {
	case *big.Int:
		return x.IsInt64() && x.Int64() == n
	case bool:
		return (x && n == 1) || (!x && n == 0)
	}
	return false
}

// pyEq is Python's == for the values pykickstart compares.
func pyEq(a, b Value) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, *big.Int:
		switch y := b.(type) {
		case bool:
			return intIs(a, boolInt(y))
		case *big.Int:
			return intCmp(a, y) == 0
		}
		return false
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []string:
		y, ok := b.([]string)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return false
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// intCmp compares an int (or bool) value with b.
func intCmp(a Value, b *big.Int) int {
	switch x := a.(type) {
	case *big.Int:
		return x.Cmp(b)
	case bool:
		return big.NewInt(boolInt(x)).Cmp(b)
	}
	return 0
}

// parsePyInt is int(s) for a str: surrounding whitespace, a sign, decimal
// digits of any script, single underscores between digits.
func parsePyInt(s string) (*big.Int, bool) {
	s = pyStrip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return nil, false
	}
	var digits strings.Builder
	prevUnderscore := true // no leading underscore
	for i, r := range s {
		if r == '_' {
			if prevUnderscore || i == len(s)-1 {
				return nil, false
			}
			prevUnderscore = true
			continue
		}
		d := digitValue(s, i, r)
		if d < 0 {
			return nil, false
		}
		digits.WriteByte(byte('0' + d))
		prevUnderscore = false
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

// digitValue returns the value of the decimal digit r (any script), or -1.
// Unicode's decimal digits come in runs of ten starting at a zero.
func digitValue(s string, i int, r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	start := r
	for start > 0 && unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return int(r-start) % 10
}

// normpath is os.path.normpath for POSIX paths.
func normpath(p string) string {
	if p == "" {
		return "."
	}
	initial := 0
	if strings.HasPrefix(p, "/") {
		initial = 1
		if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
			initial = 2
		}
	}
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." {
			continue
		}
		if c != ".." || (initial == 0 && len(out) == 0) || (len(out) > 0 && out[len(out)-1] == "..") {
			out = append(out, c)
		} else if len(out) > 0 {
			out = out[:len(out)-1]
		}
	}
	s := strings.Repeat("/", initial) + strings.Join(out, "/")
	if s == "" {
		return "."
	}
	return s
}
