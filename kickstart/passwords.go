package kickstart

import (
	"slices"
	"strings"
)

// MaskPasswords returns a kickstart's text with the passwords of its
// rootpw, sshpw, user --password and bootloader --password (or
// --md5pass) commands replaced by marker, whatever their length, and
// those passwords (crypted ones too), for showing and publishing a
// kickstart without its secrets (docs/reliability-secrets.md). It reads
// the text line by line with pykickstart's lexing and leaves the bodies of
// sections (%pre, %post, %packages, ...) and lines that do not lex as
// they are; it follows no %include.
func MaskPasswords(text, marker string) (string, []string) {
	lines := strings.SplitAfter(text, "\n")
	var found []string
	inSection := false
	for i, line := range lines {
		toks, err := shlexSplit(line, true)
		if err != nil || len(toks) == 0 {
			continue
		}
		name := toks[0].val
		if inSection {
			inSection = name != "%end"
			continue
		}
		if slices.Contains(sectionNames, name) {
			inSection = true
			continue
		}
		spans := passwordSpans(name, toks[1:], line)
		if len(spans) == 0 {
			continue
		}
		// A crypted value that is no crypt(3) hash ("$id$..."), such as
		// Fedora's `rootpw --iscrypted --lock locked`, matches no login:
		// it is masked here, but not everywhere else, where a word like
		// "locked" would garble every log.
		crypted := slices.ContainsFunc(toks[1:], func(t token) bool { return matchesOption(t.val, []string{"--iscrypted"}) })
		var b strings.Builder
		last := 0
		for _, sp := range spans {
			if !crypted || strings.HasPrefix(sp.value, "$") {
				found = append(found, sp.value)
			}
			b.WriteString(line[last:sp.start])
			b.WriteString(marker)
			last = sp.end
		}
		b.WriteString(line[last:])
		lines[i] = b.String()
	}
	return strings.Join(lines, ""), found
}

type passwordSpan struct {
	start, end int
	value      string
}

// passwordOptions are, per command, the options whose value is a password,
// and valueOptions those whose value is something else (so it is not
// taken for a positional argument). Options may be abbreviated as
// argparse allows: a prefix of at least minPrefix bytes.
var (
	passwordOptions = map[string][]string{
		"user":       {"--password"},
		"bootloader": {"--password", "--md5pass"},
	}
	valueOptions = map[string][]string{
		"sshpw": {"--username"},
	}
	// passwordPositionals are the commands whose positional argument is
	// the password.
	passwordPositionals = []string{"rootpw", "sshpw"}
)

const minPrefix = 4

func matchesOption(written string, options []string) bool {
	if len(written) < minPrefix {
		return false
	}
	for _, o := range options {
		if strings.HasPrefix(o, written) {
			return true
		}
	}
	return false
}

func passwordSpans(command string, args []token, line string) []passwordSpan {
	var spans []passwordSpan
	positional := slices.Contains(passwordPositionals, command)
	for i := 0; i < len(args); i++ {
		t := args[i]
		raw := line[t.start:t.end]
		if !strings.HasPrefix(t.val, "-") {
			if positional {
				spans = append(spans, passwordSpan{t.start, t.end, t.val})
			}
			continue
		}
		opt, value, hasValue := strings.Cut(t.val, "=")
		switch {
		case matchesOption(opt, passwordOptions[command]):
			if hasValue {
				// The value is the end of the word as written.
				if eq := strings.Index(raw, "="); eq >= 0 && value != "" {
					spans = append(spans, passwordSpan{t.start + eq + 1, t.end, value})
				}
			} else if i+1 < len(args) {
				i++
				spans = append(spans, passwordSpan{args[i].start, args[i].end, args[i].val})
			}
		case matchesOption(opt, valueOptions[command]) && !hasValue:
			i++ // its value is not a password
		}
	}
	return spans
}
