package kickstart

import "strings"

// token is one word of a shlex-split line: its value and the byte range of
// the text it came from.
type token struct {
	val        string
	start, end int
}

// shlexError is shlex's ValueError: an unterminated quote or a trailing
// backslash. pos is the byte offset of the opening quote or the backslash.
type shlexError struct {
	msg string
	pos int
}

func (e *shlexError) Error() string { return e.msg }

// shlexSplit splits s as Python's shlex.split(s, comments) does: POSIX
// rules, only space, tab, CR and LF separate words, quotes and backslashes
// work as in the shell, and with comments an unquoted # starts a comment,
// even in the middle of a word, up to the next \n.
func shlexSplit(s string, comments bool) ([]token, *shlexError) {
	const (
		stWhite = iota
		stWord
		stSingle
		stDouble
		stEscape
	)
	var out []token
	var cur strings.Builder
	state := stWhite
	escaped := stWord // the state an escape returns to
	quoted := false
	start := -1
	quoteStart := 0
	emit := func(end int) {
		if cur.Len() > 0 || quoted {
			out = append(out, token{val: cur.String(), start: start, end: end})
		}
		cur.Reset()
		quoted = false
		start = -1
	}
	isWhite := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	skipComment := func(i int) int {
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j
		}
		return len(s) - 1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case stWhite, stWord:
			switch {
			case isWhite(c):
				if state == stWord {
					emit(i)
				}
				state = stWhite
			case comments && c == '#':
				if state == stWord {
					emit(i)
				}
				state = stWhite
				i = skipComment(i)
			case c == '\\':
				if start < 0 {
					start = i
				}
				escaped = stWord
				quoteStart = i
				state = stEscape
			case c == '\'':
				if start < 0 {
					start = i
				}
				quoteStart = i
				state = stSingle
			case c == '"':
				if start < 0 {
					start = i
				}
				quoteStart = i
				state = stDouble
			default:
				if start < 0 {
					start = i
				}
				cur.WriteByte(c)
				state = stWord
			}
		case stSingle:
			quoted = true
			if c == '\'' {
				state = stWord
			} else {
				cur.WriteByte(c)
			}
		case stDouble:
			quoted = true
			switch c {
			case '"':
				state = stWord
			case '\\':
				escaped = stDouble
				quoteStart = i
				state = stEscape
			default:
				cur.WriteByte(c)
			}
		case stEscape:
			// Inside double quotes only the quote and the backslash
			// itself can be escaped; elsewhere the backslash stays.
			if escaped == stDouble && c != '"' && c != '\\' {
				cur.WriteByte('\\')
			}
			cur.WriteByte(c)
			state = escaped
		}
	}
	switch state {
	case stSingle, stDouble:
		return out, &shlexError{msg: "No closing quotation", pos: quoteStart}
	case stEscape:
		return out, &shlexError{msg: "No escaped character", pos: quoteStart}
	case stWord:
		emit(len(s))
	}
	return out, nil
}

// shlexQuote is shlex.quote.
func shlexQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@%+=:,./-_", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func tokenValues(ts []token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.val
	}
	return out
}
