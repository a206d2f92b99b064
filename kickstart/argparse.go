package kickstart

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// This file emulates the parts of Python's argparse that pykickstart's
// option parsers use: long options with unique-prefix abbreviation,
// "--opt=value" and "--opt value", store/store_true/store_false/
// store_const/append/append_const and pykickstart's extend actions,
// positionals with nargs 1, '?' and '*' matched the way argparse's regular
// expressions match them (including its habit of giving a '*' positional
// nothing when an option follows), type conversion and choices.

type actionKind int

const (
	aStore actionKind = iota
	aStoreTrue
	aStoreFalse
	aStoreConst
	aAppend
	aAppendConst
	aExtend
	aExtendConst
)

// nargs values besides a count: nOne is argparse's None (exactly one
// value, not a list).
const (
	nOne  = 0
	nOpt  = -2
	nStar = -3
	nPlus = -4
)

// action is one argparse action: an option (flags set) or a positional.
type action struct {
	flags      []string
	dest       string
	kind       actionKind
	nargs      int
	def        Value
	typ        string
	konst      Value
	required   bool
	choices    []string
	deprecated bool
}

func (a *action) positional() bool { return len(a.flags) == 0 }

// takesArgs is the number pattern of an action's arguments.
func (a *action) nargsEff() int {
	switch a.kind {
	case aStore, aAppend, aExtend:
		return a.nargs
	}
	return 0
}

// name is argparse's _get_action_name.
func (a *action) name() string {
	if len(a.flags) > 0 {
		return strings.Join(a.flags, "/")
	}
	return a.dest
}

// argParser is one parser: its actions in order, and what parsing needs
// of them, computed once.
type argParser struct {
	actions []*action
	byFlag  map[string]*action
	flags   []string
	index   map[*action]int
	// defaults is the namespace before any argument.
	defaults    attrs
	positionals []*action
	// posRE[n] matches the patterns of the first n positionals.
	posRE []*regexp.Regexp
}

var parserCache sync.Map // []*action (by first element address) -> *argParser

func newArgParser(actions []*action) *argParser {
	if len(actions) > 0 {
		if p, ok := parserCache.Load(actions[0]); ok {
			return p.(*argParser)
		}
	}
	p := &argParser{actions: actions, byFlag: map[string]*action{}, index: map[*action]int{}, defaults: attrs{}}
	for i, a := range actions {
		p.index[a] = i
		if _, ok := p.defaults[a.dest]; !ok {
			p.defaults[a.dest] = a.def
		}
		for _, f := range a.flags {
			p.byFlag[f] = a
			p.flags = append(p.flags, f)
		}
		if a.positional() {
			p.positionals = append(p.positionals, a)
		}
	}
	p.posRE = make([]*regexp.Regexp, len(p.positionals)+1)
	for n := 1; n <= len(p.positionals); n++ {
		var b strings.Builder
		for _, a := range p.positionals[:n] {
			b.WriteString(nargsPattern(a))
		}
		p.posRE[n] = regexp.MustCompile("^" + b.String())
	}
	if len(actions) > 0 {
		parserCache.Store(actions[0], p)
	}
	return p
}

// argError is an option parsing error; arg is the index of the argument
// it is about, or -1.
type argError struct {
	msg string
	arg int
}

func (e *argError) Error() string { return e.msg }

// optUse is one option as it appeared: the index of its argument string,
// the option string it resolved to, and the indexes of its values.
type optUse struct {
	arg    int
	flag   string
	act    *action
	values []int
	// explicit is the value given with "=", when it was.
	explicit *string
}

// parseResult is what a parse produced.
type parseResult struct {
	ns     attrs
	extras []int
	uses   []optUse
	// positionals maps a positional's dest to the indexes it consumed.
	positionals map[string][]int
}

// typeFunc converts an option value; cls is the command class, for the
// callbacks whose behaviour depends on it.
type typeFunc func(cls, s string) (Value, error)

// argTypeError is argparse's ArgumentTypeError: its message is shown as is.
type argTypeError struct{ msg string }

func (e *argTypeError) Error() string { return e.msg }

// ksTypeError is a KickstartParseError raised inside a type callback: it
// escapes argparse unchanged.
type ksTypeError struct{ msg string }

func (e *ksTypeError) Error() string { return e.msg }

type optTuple struct {
	act      *action
	flag     string
	explicit *string
}

// parseOptional is argparse's _parse_optional: nil means positional.
func (p *argParser) parseOptional(arg string) (*optTuple, *argError) {
	if arg == "" || arg[0] != '-' {
		return nil, nil
	}
	if a, ok := p.byFlag[arg]; ok {
		return &optTuple{act: a, flag: arg}, nil
	}
	if len(arg) == 1 {
		return nil, nil
	}
	if name, val, ok := strings.Cut(arg, "="); ok {
		if a, ok := p.byFlag[name]; ok {
			return &optTuple{act: a, flag: name, explicit: &val}, nil
		}
	}
	var matches []optTuple
	if arg[1] == '-' {
		prefix, val, hasVal := strings.Cut(arg, "=")
		for _, f := range p.flags {
			if strings.HasPrefix(f, prefix) {
				t := optTuple{act: p.byFlag[f], flag: f}
				if hasVal {
					v := val
					t.explicit = &v
				}
				matches = append(matches, t)
			}
		}
	} else {
		short := arg[:2]
		for _, f := range p.flags {
			if f == short {
				v := arg[2:]
				matches = append(matches, optTuple{act: p.byFlag[f], flag: f, explicit: &v})
			} else if strings.HasPrefix(f, arg) {
				matches = append(matches, optTuple{act: p.byFlag[f], flag: f})
			}
		}
	}
	if len(matches) > 1 {
		var names []string
		for _, m := range matches {
			names = append(names, m.flag)
		}
		return nil, &argError{msg: fmt.Sprintf("ambiguous option: %s could match %s", arg, strings.Join(names, ", "))}
	}
	if len(matches) == 1 {
		return &matches[0], nil
	}
	if negativeNumber.MatchString(arg) {
		return nil, nil
	}
	if strings.Contains(arg, " ") {
		return nil, nil
	}
	return &optTuple{flag: arg}, nil
}

var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

// nargsPattern is argparse's _get_nargs_pattern.
func nargsPattern(a *action) string {
	var pat string
	switch n := a.nargsEff(); {
	case a.kind != aStore && a.kind != aAppend && a.kind != aExtend:
		pat = "(-*-*)"
	case n == nOne:
		pat = "(-*A-*)"
	case n == nOpt:
		pat = "(-*A?-*)"
	case n == nStar:
		pat = "(-*[A-]*)"
	case n == nPlus:
		pat = "(-*A[A-]*)"
	default:
		pat = "(-*" + strings.Repeat("A-*", n-1) + "A-*)"
	}
	if !a.positional() {
		pat = strings.ReplaceAll(pat, "-*", "")
		pat = strings.ReplaceAll(pat, "-", "")
	}
	return pat
}

var reCache sync.Map

func compiled(pat string) *regexp.Regexp {
	if r, ok := reCache.Load(pat); ok {
		return r.(*regexp.Regexp)
	}
	r := regexp.MustCompile("^" + pat)
	reCache.Store(pat, r)
	return r
}

// matchOptional is _match_argument for an option: how many of the
// argument strings that follow (pattern: 'A' argument, 'O' option, '-'
// the "--" separator) it takes, or -1 when they do not fit.
func matchOptional(a *action, pat string) int {
	n := a.nargsEff()
	if a.kind != aStore && a.kind != aAppend && a.kind != aExtend {
		return 0
	}
	run := 0
	for run < len(pat) && pat[run] == 'A' {
		run++
	}
	switch {
	case n == nOne:
		if run >= 1 {
			return 1
		}
		return -1
	case n == nOpt:
		return min(run, 1)
	case n == nStar:
		return run
	case n == nPlus:
		if run >= 1 {
			return run
		}
		return -1
	}
	if run >= n {
		return n
	}
	return -1
}

// parse is argparse's parse_known_args on a fresh namespace. types
// converts values; cls names the command class for class-specific ones.
func (p *argParser) parse(args []string, cls string) (*parseResult, *argError) {
	res := &parseResult{ns: p.defaults.clone(), positionals: map[string][]int{}}
	// Classify the argument strings.
	pattern := make([]byte, len(args))
	opts := map[int]*optTuple{}
	maxOpt := -1
	for i := 0; i < len(args); i++ {
		if args[i] == "--" {
			pattern[i] = '-'
			for j := i + 1; j < len(args); j++ {
				pattern[j] = 'A'
			}
			break
		}
		t, err := p.parseOptional(args[i])
		if err != nil {
			err.arg = i
			return res, err
		}
		if t == nil {
			pattern[i] = 'A'
		} else {
			pattern[i] = 'O'
			opts[i] = t
			maxOpt = i
		}
	}
	pat := string(pattern)
	seen := make([]bool, len(p.actions))

	take := func(a *action, idx []int) *argError {
		seen[p.index[a]] = true
		vals := make([]string, 0, len(idx))
		for _, i := range idx {
			vals = append(vals, args[i])
		}
		v, err := p.values(a, vals, cls)
		if err != nil {
			if len(idx) > 0 {
				err.arg = idx[0]
			}
			return err
		}
		p.apply(res.ns, a, v)
		return nil
	}

	positionals := p.positionals
	consumePositionals := func(start int) (int, *argError) {
		if len(positionals) == 0 {
			return start, nil
		}
		sel := pat[start:]
		var counts []int
		done := len(p.positionals) - len(positionals)
		for n := len(positionals); n > 0; n-- {
			// The regular expression for the remaining positionals: the
			// parser's covers them from its first, so skip the groups of
			// the ones already consumed.
			var re *regexp.Regexp
			if done == 0 {
				re = p.posRE[n]
			} else {
				var b strings.Builder
				for _, a := range positionals[:n] {
					b.WriteString(nargsPattern(a))
				}
				re = compiled(b.String())
			}
			m := re.FindStringSubmatchIndex(sel)
			if m != nil {
				for g := 1; g <= n; g++ {
					counts = append(counts, m[2*g+1]-m[2*g])
				}
				break
			}
		}
		for k, c := range counts {
			a := positionals[k]
			var idx []int
			for i := start; i < start+c; i++ {
				idx = append(idx, i)
			}
			start += c
			res.positionals[a.dest] = idx
			if err := take(a, idx); err != nil {
				return start, err
			}
		}
		positionals = positionals[len(counts):]
		return start, nil
	}
	consumeOptional := func(start int) (int, *argError) {
		t := opts[start]
		if t.act == nil {
			res.extras = append(res.extras, start)
			return start + 1, nil
		}
		a := t.act
		use := optUse{arg: start, flag: t.flag, act: a, explicit: t.explicit}
		var stop int
		if t.explicit != nil {
			if matchOptional(a, "A") != 1 {
				return start, &argError{msg: fmt.Sprintf("argument %s: ignored explicit argument %s", a.name(), pyRepr(*t.explicit)), arg: start}
			}
			stop = start + 1
			res.uses = append(res.uses, use)
			seen[p.index[a]] = true
			v, err := p.values(a, []string{*t.explicit}, cls)
			if err != nil {
				err.arg = start
				return start, err
			}
			p.apply(res.ns, a, v)
			return stop, nil
		}
		n := matchOptional(a, pat[start+1:])
		if n < 0 {
			msg := "expected one argument"
			switch a.nargsEff() {
			case nOpt:
				msg = "expected at most one argument"
			case nPlus:
				msg = "expected at least one argument"
			case nOne:
			default:
				msg = fmt.Sprintf("expected %d arguments", a.nargsEff())
			}
			return start, &argError{msg: fmt.Sprintf("argument %s: %s", a.name(), msg), arg: start}
		}
		for i := start + 1; i < start+1+n; i++ {
			use.values = append(use.values, i)
		}
		stop = start + 1 + n
		res.uses = append(res.uses, use)
		if err := take(a, use.values); err != nil {
			if len(use.values) == 0 {
				err.arg = start
			}
			return start, err
		}
		return stop, nil
	}

	start := 0
	for start <= maxOpt {
		next := start
		for next <= maxOpt {
			if _, ok := opts[next]; ok {
				break
			}
			next++
		}
		if start != next {
			end, err := consumePositionals(start)
			if err != nil {
				return res, err
			}
			if end > start {
				start = end
				continue
			}
			start = end
		}
		if _, ok := opts[start]; !ok {
			for i := start; i < next; i++ {
				res.extras = append(res.extras, i)
			}
			start = next
		}
		var err *argError
		start, err = consumeOptional(start)
		if err != nil {
			return res, err
		}
	}
	stop, err := consumePositionals(start)
	if err != nil {
		return res, err
	}
	for i := stop; i < len(args); i++ {
		res.extras = append(res.extras, i)
	}

	var missing []string
	for i, a := range p.actions {
		if seen[i] {
			continue
		}
		if a.required {
			n := a.name()
			if a.positional() {
				n = "<" + a.dest + ">"
			}
			missing = append(missing, n)
			continue
		}
		// argparse converts string defaults of unused options.
		if s, ok := a.def.(string); ok && a.typ != "" {
			if cur, ok := res.ns[a.dest].(string); ok && cur == s {
				v, err := convert(a, s, cls)
				if err != nil {
					return res, err
				}
				res.ns[a.dest] = v
			}
		}
	}
	if len(missing) > 0 {
		return res, &argError{msg: "the following arguments are required: " + strings.Join(missing, ", "), arg: -1}
	}
	return res, nil
}

// values is argparse's _get_values.
func (p *argParser) values(a *action, vals []string, cls string) (Value, *argError) {
	n := a.nargsEff()
	valued := a.kind == aStore || a.kind == aAppend || a.kind == aExtend
	if !valued {
		n = 0
	}
	if a.positional() {
		// argparse drops the first "--" from a positional's strings.
		for i, v := range vals {
			if v == "--" {
				vals = append(vals[:i:i], vals[i+1:]...)
				break
			}
		}
	}
	switch {
	case len(vals) == 0 && valued && n == nOpt:
		var v Value
		if a.positional() {
			v = a.def
		} else {
			v = a.konst
		}
		if s, ok := v.(string); ok {
			return convert(a, s, cls)
		}
		return v, nil
	case len(vals) == 0 && valued && n == nStar && a.positional():
		if a.def != nil {
			return a.def, nil
		}
		return []string{}, nil
	case len(vals) == 1 && valued && (n == nOne || n == nOpt):
		v, err := convert(a, vals[0], cls)
		if err != nil {
			return nil, err
		}
		if err := checkChoice(a, v); err != nil {
			return nil, err
		}
		return v, nil
	}
	out := make([]Value, 0, len(vals))
	for _, s := range vals {
		v, err := convert(a, s, cls)
		if err != nil {
			return nil, err
		}
		if err := checkChoice(a, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return listValue(out), nil
}

// listValue turns converted values into the list type they make.
func listValue(vs []Value) Value {
	ss := make([]string, 0, len(vs))
	for _, v := range vs {
		s, ok := v.(string)
		if !ok {
			// Lists of non-strings (lists of lists) do not occur in the
			// commands pykickstart defines; keep the first kind.
			return vs
		}
		ss = append(ss, s)
	}
	return ss
}

func checkChoice(a *action, v Value) *argError {
	if a.choices == nil {
		return nil
	}
	s, _ := v.(string)
	for _, c := range a.choices {
		if c == s {
			return nil
		}
	}
	var q []string
	for _, c := range a.choices {
		q = append(q, pyRepr(c))
	}
	return &argError{msg: fmt.Sprintf("argument %s: invalid choice: %s (choose from %s)", a.name(), pyRepr(pyStr(v)), strings.Join(q, ", "))}
}

func convert(a *action, s string, cls string) (Value, *argError) {
	if a.typ == "" {
		return s, nil
	}
	f := typeFuncs[a.typ]
	if f == nil {
		return s, nil
	}
	v, err := f(cls, s)
	if err == nil {
		return v, nil
	}
	switch e := err.(type) {
	case *argTypeError:
		return nil, &argError{msg: fmt.Sprintf("argument %s: %s", a.name(), e.msg)}
	case *ksTypeError:
		return nil, &argError{msg: e.msg}
	}
	return nil, &argError{msg: fmt.Sprintf("argument %s: invalid %s value: %s", a.name(), a.typ, pyRepr(s))}
}

// apply is an action's __call__.
func (p *argParser) apply(ns attrs, a *action, v Value) {
	switch a.kind {
	case aStore:
		ns[a.dest] = v
	case aStoreTrue:
		ns[a.dest] = true
	case aStoreFalse:
		ns[a.dest] = false
	case aStoreConst:
		ns[a.dest] = a.konst
	case aAppend, aAppendConst:
		item := v
		if a.kind == aAppendConst {
			item = a.konst
		}
		old, _ := ns[a.dest].([]string)
		s, _ := item.(string)
		ns[a.dest] = append(append([]string{}, old...), s)
	case aExtend:
		ns[a.dest] = extendList(ns[a.dest], v)
	case aExtendConst:
		if ns[a.dest] != nil {
			ns[a.dest] = extendList(a.konst, v)
		} else {
			ns[a.dest] = a.konst
		}
	}
}

func extendList(old, add Value) Value {
	if old == nil {
		return add
	}
	o, _ := old.([]string)
	n, _ := add.([]string)
	return append(append([]string{}, o...), n...)
}
