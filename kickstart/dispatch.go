package kickstart

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// ctx is what a command class's parse gets: the command object, the line's
// words and the way to report.
type ctx struct {
	p    *parser
	o    *cmdObj
	cmd  *Command
	args []string
	// data is the data object parse returns, appended to the command's
	// list (a list command's line).
	data *dataObj
	// ap is the option parser last used, for suggestions.
	ap *argParser
}

// command dispatches a command line (BaseHandler.dispatcher).
// maxInstances bounds the instances of one command (network, part, repo,
// user, ...).
const maxInstances = 1000

func (p *parser) command(l srcLine, toks []token) {
	name := toks[0].val
	cmd := &Command{
		Name:  Word{Value: name, Range: wordRange(l, toks[0])},
		Args:  words(l, toks[1:]),
		Line:  trimBreak(l.text),
		Range: lineRange(l),
	}
	p.ks.Commands = append(p.ks.Commands, cmd)
	o := p.h.obj(name)
	if o == nil {
		cmd.Status = StatusUnknown
		p.unknownCommand(cmd)
		return
	}
	cmd.Class = o.cls.name
	o.currentCmd = name
	o.currentLine = l.text
	o.seen = true
	for _, other := range o.cls.conflicts {
		if c := p.h.objs[p.h.t.commands[other]]; c != nil && c.seen {
			p.errorAt(cmd.Name.Range, "Conflicting commands",
				fmt.Sprintf("The %s and %s commands can't be used at the same time.", name, other))
			return
		}
	}
	switch o.cls.status {
	case statusRemoved:
		cmd.Status = StatusRemoved
		p.errorAt(cmd.Name.Range, "Removed command",
			fmt.Sprintf("%s has been removed. The %s syntax no longer has the %s command.", name, p.h.v, name))
		return
	case statusDeprecated:
		cmd.Status = StatusDeprecated
		p.warnAt(cmd.Name.Range, "Deprecated command",
			fmt.Sprintf("Ignoring deprecated command on line %d: the %s command has been deprecated and no longer has any effect. It may be removed from future releases, which will result in a fatal error from kickstart.", cmd.Range.Start.Line, name))
		return
	}
	if len(o.list) >= maxInstances {
		// pykickstart checks each instance against every earlier one
		// (isDuplicate), and so does this port: quadratic time.
		if !o.tooMany {
			o.tooMany = true
			p.errorAt(cmd.Name.Range, "Too many "+name+" commands",
				fmt.Sprintf("This kickstart has more than %d %s commands, the most imgpipe reads (each is checked against every earlier one, as pykickstart does). Real kickstarts have a few; check how this one was generated.", maxInstances, name))
		}
		return
	}
	c := &ctx{p: p, o: o, cmd: cmd, args: tokenValues(toks[1:])}
	if o.impl.parse == nil {
		p.errorAt(cmd.Name.Range, "Unsupported command",
			fmt.Sprintf("pykickstart's %s handler cannot parse %s (its %s class has no parse method and fails with a TypeError).", p.h.v, name, o.cls.name))
		return
	}
	if err := o.impl.parse(c); err != nil {
		p.commandError(cmd, err)
		return
	}
	if c.data != nil {
		c.data.cmd = cmd
		o.list = append(o.list, c.data)
	}
}

func (p *parser) unknownCommand(cmd *Command) {
	name := cmd.Name.Value
	detail := fmt.Sprintf("Unknown command: %s.", name)
	if strings.HasPrefix(name, "\ufeff") {
		detail += " The file starts with a byte order mark, which pykickstart does not strip; save it without one."
	} else if s := suggestCommand(name, p.h); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	p.errorAt(cmd.Name.Range, "Unknown command", detail)
}

func suggestCommand(name string, h *handler) string {
	var names []string
	for n, cn := range h.t.commands {
		if pyClasses[cn].status == statusNormal {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if d := levenshtein.Distance(name, n, nil); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// parser returns the command class's option parser.
func (c *ctx) argParser() *argParser { return newArgParser(c.o.cls.actions) }

// parseKnown is op.parse_known_args(args): the namespace and the
// arguments no option or positional took.
func (c *ctx) parseKnown() (attrs, []string, error) {
	return c.parseWith(c.argParser())
}

func (c *ctx) parseWith(ap *argParser) (attrs, []string, error) {
	c.ap = ap
	res, err := ap.parse(c.args, c.o.cls.name)
	c.record(ap, res)
	if err != nil {
		return nil, nil, &ksError{msg: err.msg, arg: err.arg}
	}
	var extras []string
	for _, i := range res.extras {
		extras = append(extras, c.args[i])
	}
	return res.ns, extras, nil
}

// parseArgs is op.parse_args(args): unknown arguments are an error.
func (c *ctx) parseArgs() (attrs, error) {
	ns, extras, err := c.parseKnown()
	if err != nil {
		return nil, err
	}
	if len(extras) > 0 {
		return nil, c.unrecognized(extras)
	}
	return ns, nil
}

func (c *ctx) unrecognized(extras []string) error {
	idx := -1
	for i, a := range c.args {
		if a == extras[0] {
			idx = i
			break
		}
	}
	return &ksError{msg: "unrecognized arguments: " + strings.Join(extras, " ") + c.suggestOption(extras), arg: idx}
}

// suggestOption is a hint for the first unknown option among args.
func (c *ctx) suggestOption(args []string) string {
	if c.ap == nil {
		return ""
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, _, _ := strings.Cut(a, "=")
		best, bestD := "", 3
		for _, f := range c.ap.flags {
			if d := levenshtein.Distance(name, f, nil); d < bestD {
				best, bestD = f, d
			}
		}
		if best != "" {
			return fmt.Sprintf(" (did you mean %s?)", best)
		}
		return ""
	}
	return ""
}

// unexpected is pykickstart's "Unexpected arguments to %(command)s command".
func (c *ctx) unexpected(command string, extras []string) error {
	idx := -1
	for i, a := range c.args {
		if a == extras[0] {
			idx = i
			break
		}
	}
	return &ksError{msg: fmt.Sprintf("Unexpected arguments to %s command: %s%s", command, pyStr(extras), c.suggestOption(extras)), arg: idx}
}

// record keeps the options as written on the model command.
func (c *ctx) record(ap *argParser, res *parseResult) {
	if res == nil {
		return
	}
	used := map[int]bool{}
	for _, u := range res.uses {
		w := c.cmd.Args[u.arg]
		written := w.Value
		if u.explicit != nil {
			written = strings.TrimSuffix(written, "="+*u.explicit)
		}
		o := Option{Written: written, Flag: u.flag, Dest: u.act.dest, Deprecated: u.act.deprecated, Range: w.Range}
		used[u.arg] = true
		if u.explicit != nil {
			o.Value = &Word{Value: *u.explicit, Range: w.Range}
		} else if len(u.values) > 0 {
			v := c.cmd.Args[u.values[0]]
			o.Value = &v
			o.Range = hcl.RangeBetween(w.Range, v.Range)
			for _, i := range u.values {
				used[i] = true
			}
		}
		c.cmd.Options = append(c.cmd.Options, o)
		if u.act.deprecated {
			c.p.warnAt(w.Range, "Deprecated option",
				fmt.Sprintf("The %s option of %s has been deprecated. It may be removed from future releases, which will result in a fatal error from kickstart.", u.flag, c.cmd.Name.Value))
		}
	}
	c.cmd.Positionals = c.cmd.Positionals[:0]
	for i, w := range c.cmd.Args {
		if !used[i] {
			c.cmd.Positionals = append(c.cmd.Positionals, w)
		}
	}
}

// setToSelf is set_to_self: every namespace value that is not None
// becomes an attribute of the command object.
func (c *ctx) setToSelf(ns attrs) { setToObj(ns, c.o.a) }

func setToObj(ns attrs, a attrs) {
	for k, v := range ns {
		if v != nil {
			a[k] = v
		}
	}
}

// newData returns a fresh object of the command's data class.
func (c *ctx) newData() *dataObj {
	cn := c.p.h.t.data[c.o.cls.data]
	return &dataObj{cls: cn, a: pyDataClasses[cn].clone()}
}

// warn is a KickstartParseWarning.
func (c *ctx) warn(format string, a ...any) {
	c.p.warnAt(c.cmd.Range, "Kickstart warning", fmt.Sprintf(format, a...))
}

// deprecation is a KickstartDeprecationWarning (hidden by ksflatten).
func (c *ctx) deprecation(format string, a ...any) {
	c.p.warnAt(c.cmd.Range, "Deprecated", fmt.Sprintf(format, a...))
}

// isDuplicate reports whether d equals an object already in the list, by
// its data class's __eq__.
func (c *ctx) isDuplicate(d *dataObj) bool {
	di, _ := dataImplOf(d.cls)
	if di.eq == nil {
		return false
	}
	for _, e := range c.o.list {
		if di.eq(d, e) {
			return true
		}
	}
	return false
}
