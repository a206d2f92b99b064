package kickstart

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// sectionHandler is one of pykickstart's Section objects: it lives as long
// as the parse, so state left behind by one section (a dropped script's
// body) is seen by the next one of its kind.
type sectionHandler interface {
	name() string
	// allLines sections get blank and comment lines too.
	allLines() bool
	header(p *parser, sec *Section, args []string) error
	line(p *parser, text string) error
	finalize(p *parser, sec *Section) error
}

var sectionNames = []string{"%pre", "%pre-install", "%post", "%onerror", "%traceback", "%packages", "%certificate", "%addon", "%anaconda"}

// Script types (pykickstart.constants).
const (
	scriptPre        = 0
	scriptPost       = 1
	scriptTraceback  = 2
	scriptPreInstall = 3
	scriptOnError    = 4
)

func newSections(p *parser) map[string]sectionHandler {
	m := map[string]sectionHandler{
		"%pre":         newScriptSection("%pre", scriptPre),
		"%pre-install": newScriptSection("%pre-install", scriptPreInstall),
		"%post":        newScriptSection("%post", scriptPost),
		"%onerror":     newScriptSection("%onerror", scriptOnError),
		"%traceback":   newScriptSection("%traceback", scriptTraceback),
		"%packages":    &packageSection{},
		"%certificate": &certSection{},
		"%addon":       &nullSection{tag: "%addon"},
		"%anaconda":    &nullSection{tag: "%anaconda"},
	}
	return m
}

// sectionParse parses a section header's options with the version's
// parser for that section.
func sectionParse(p *parser, sec *Section, args []string) (attrs, error) {
	ap := newArgParser(p.h.t.sections[sec.Name])
	c := &ctx{p: p, cmd: sec.Header, args: args[1:], o: &cmdObj{cls: &pyClass{name: sec.Name}}}
	ns, extras, err := c.parseWith(ap)
	if err != nil {
		return nil, err
	}
	if len(extras) > 0 {
		return nil, c.unrecognized(extras)
	}
	return ns, nil
}

// script is a finished %pre, %pre-install, %post, %onerror or %traceback.
type script struct {
	body        string
	interp      string
	inChroot    bool
	logfile     *string
	errorOnFail bool
	typ         int
}

func (s *script) render(v Version) string {
	var b strings.Builder
	b.WriteString("\n" + map[int]string{scriptPre: "%pre", scriptPost: "%post", scriptTraceback: "%traceback", scriptPreInstall: "%pre-install", scriptOnError: "%onerror"}[s.typ])
	if s.interp != "/bin/sh" && s.interp != "" {
		b.WriteString(" --interpreter=" + s.interp)
	}
	if s.typ == scriptPost && !s.inChroot {
		b.WriteString(" --nochroot")
	}
	if s.logfile != nil {
		b.WriteString(" --logfile=" + *s.logfile)
	}
	if s.errorOnFail {
		b.WriteString(" --erroronfail")
	}
	b.WriteString("\n" + s.body)
	if !strings.HasSuffix(s.body, "\n") {
		b.WriteString("\n")
	}
	if v >= F8 {
		// Before F8 sections had no %end.
		b.WriteString("%end\n")
	}
	return b.String()
}

// scriptSection is ScriptSection: its pending script survives a dropped
// (whitespace-only) script, so that body leaks into the next one.
type scriptSection struct {
	tag       string
	typ       int
	interp    string
	log       *string
	errOnFail bool
	chroot    bool
	body      []string
}

func newScriptSection(tag string, typ int) *scriptSection {
	s := &scriptSection{tag: tag, typ: typ}
	s.reset()
	return s
}

func (s *scriptSection) reset() {
	s.interp, s.log, s.errOnFail, s.body = "/bin/sh", nil, false, nil
	s.chroot = s.typ == scriptPost
}

func (s *scriptSection) name() string   { return s.tag }
func (s *scriptSection) allLines() bool { return true }

func (s *scriptSection) header(p *parser, sec *Section, args []string) error {
	ns, err := sectionParse(p, sec, args)
	if err != nil {
		return err
	}
	s.interp = pyStr(ns["interpreter"])
	if l, ok := ns["log"].(string); ok {
		s.log = &l
	} else {
		s.log = nil
	}
	s.errOnFail = truthy(ns["errorOnFail"])
	if v, ok := ns["nochroot"]; ok {
		s.chroot = !truthy(v)
	}
	if s.typ == scriptTraceback && p.h.v >= 34000 {
		p.warnAt(sec.Header.Name.Range, "Deprecated section",
			"The %traceback section has been deprecated. It may be removed in the future, which will result in a fatal error from kickstart. Use %onerror instead.")
	}
	return nil
}

func (s *scriptSection) line(_ *parser, text string) error {
	s.body = append(s.body, text)
	return nil
}

func (s *scriptSection) finalize(p *parser, sec *Section) error {
	if pyStrip(strings.Join(s.body, " ")) == "" {
		sec.Dropped = true
		return nil
	}
	p.h.scripts = append(p.h.scripts, &script{
		body: strings.Join(s.body, ""), interp: s.interp, inChroot: s.chroot,
		logfile: s.log, errorOnFail: s.errOnFail, typ: s.typ,
	})
	s.reset()
	return nil
}

// nullSection is NullSection (%addon, %anaconda): kept as text.
type nullSection struct {
	tag  string
	args []string
	body []string
}

func (s *nullSection) name() string   { return s.tag }
func (s *nullSection) allLines() bool { return true }

func (s *nullSection) header(_ *parser, _ *Section, args []string) error {
	s.args = args
	return nil
}

func (s *nullSection) line(_ *parser, text string) error {
	s.body = append(s.body, text)
	return nil
}

func (s *nullSection) finalize(p *parser, _ *Section) error {
	body := strings.Join(s.body, "\n")
	if body != "" {
		p.h.nulls = append(p.h.nulls, strings.Join(s.args, " ")+"\n"+body+"\n%end")
	} else {
		p.h.nulls = append(p.h.nulls, strings.Join(s.args, " ")+"\n%end")
	}
	s.args, s.body = nil, nil
	return nil
}

// certificate is a %certificate section.
type certificate struct {
	cert, filename string
	dir, typ       *string
}

func (c *certificate) render() string {
	if c.cert == "" {
		return ""
	}
	s := "\n%certificate --filename=\"" + c.filename + "\""
	if c.typ != nil && *c.typ != "" {
		s += " --type=\"" + *c.typ + "\""
	}
	if c.dir != nil && *c.dir != "" {
		s += " --dir=\"" + *c.dir + "\""
	}
	return s + "\n" + c.cert + "\n%end\n"
}

type certSection struct {
	filename string
	dir, typ *string
	lines    []string
}

func (s *certSection) name() string   { return "%certificate" }
func (s *certSection) allLines() bool { return true }

func (s *certSection) header(p *parser, sec *Section, args []string) error {
	ns, err := sectionParse(p, sec, args)
	if err != nil {
		return err
	}
	if !truthy(ns["dir"]) && !truthy(ns["type"]) {
		return errf("One of --dir or --type must be specified for %%certificate")
	}
	s.filename = pyStr(ns["filename"])
	if truthy(ns["dir"]) {
		d := pyStr(ns["dir"])
		s.dir = &d
	}
	if truthy(ns["type"]) {
		t := pyStr(ns["type"])
		s.typ = &t
	}
	return nil
}

func (s *certSection) line(_ *parser, text string) error {
	s.lines = append(s.lines, text)
	return nil
}

func (s *certSection) finalize(p *parser, _ *Section) error {
	cert := strings.Join(s.lines, "")
	cert = strings.TrimSuffix(cert, "\n")
	if pyStrip(cert) == "" {
		return fmt.Errorf("The %%certificate section is empty")
	}
	p.h.certs = append(p.h.certs, &certificate{cert: cert, filename: s.filename, dir: s.dir, typ: s.typ})
	s.filename, s.dir, s.typ, s.lines = "", nil, nil, nil
	return nil
}

// group is one @group line of %packages.
type group struct {
	name    string
	include int
}

// Group inclusion levels (pykickstart.constants).
const (
	groupRequired = 0
	groupDefault  = 1
	groupAll      = 2
)

func (g group) String() string {
	switch g.include {
	case groupRequired:
		return "@" + g.name + " --nodefaults"
	case groupAll:
		return "@" + g.name + " --optional"
	}
	return "@" + g.name
}

// packages is the merged %packages sections (pykickstart's Packages).
type packages struct {
	addBase, nocore, dflt, excludeDocs, multiLib, excludeWeakdeps, seen bool
	environment                                                         *string
	excluded, pkgs                                                      map[string]bool
	groups, excludedGroups                                              []group
	ignoreMissing, ignoreBroken                                         bool
	instLangs                                                           *string
	timeout, retries                                                    *big.Int
}

func newPackages() *packages {
	return &packages{addBase: true, pkgs: map[string]bool{}, excluded: map[string]bool{}}
}

func (pk *packages) render(v Version) string {
	items := pk.content()
	var b strings.Builder
	if pk.dflt {
		b.WriteString(" --default")
	}
	if pk.excludeDocs {
		b.WriteString(" --excludedocs")
	}
	if !pk.addBase {
		b.WriteString(" --nobase")
	}
	if pk.nocore {
		b.WriteString(" --nocore")
	}
	if pk.ignoreMissing {
		b.WriteString(" --ignoremissing")
	}
	if pk.ignoreBroken {
		b.WriteString(" --ignorebroken")
	}
	if pk.instLangs != nil {
		if v < F32 {
			b.WriteString(" --instLangs=" + *pk.instLangs)
		} else {
			b.WriteString(" --inst-langs=" + *pk.instLangs)
		}
	}
	if pk.multiLib {
		b.WriteString(" --multilib")
	}
	if pk.excludeWeakdeps {
		if v < F32 {
			b.WriteString(" --excludeWeakdeps")
		} else {
			b.WriteString(" --exclude-weakdeps")
		}
	}
	if pk.timeout != nil {
		b.WriteString(" --timeout=" + pk.timeout.String())
	}
	if pk.retries != nil {
		b.WriteString(" --retries=" + pk.retries.String())
	}
	flags := b.String()
	if flags == "" && items == "" && !pk.seen {
		return ""
	}
	if v < F8 {
		return "\n%packages" + flags + "\n" + items + "\n"
	}
	return "\n%packages" + flags + "\n" + items + "\n%end\n"
}

func (pk *packages) content() string {
	var b strings.Builder
	if !pk.dflt && pk.environment != nil && *pk.environment != "" {
		b.WriteString("@^" + *pk.environment + "\n")
	}
	sort.SliceStable(pk.groups, func(i, j int) bool { return pk.groups[i].name < pk.groups[j].name })
	for _, g := range pk.groups {
		b.WriteString(g.String() + "\n")
	}
	for _, p := range sortedKeys(pk.pkgs) {
		b.WriteString(p + "\n")
	}
	sort.SliceStable(pk.excludedGroups, func(i, j int) bool { return pk.excludedGroups[i].name < pk.excludedGroups[j].name })
	for _, g := range pk.excludedGroups {
		b.WriteString("-" + g.String() + "\n")
	}
	for _, p := range sortedKeys(pk.excluded) {
		b.WriteString("-" + p + "\n")
	}
	return b.String()
}

// add is Packages.add for one line.
func (pk *packages) add(p *parser, line string) error {
	stripped := pyStrip(line)
	var newPkg, newExcl string
	var exclGroup *group
	switch {
	case strings.HasPrefix(stripped, "@^"):
		env := stripped[2:]
		pk.environment = &env
	case strings.HasPrefix(stripped, "@"):
		if err := pk.processGroup(p, stripped[1:]); err != nil {
			return err
		}
	case strings.HasPrefix(stripped, "-"):
		switch {
		case len(stripped) == 1:
			return errf("A lone \"-\" in %%packages names nothing to exclude; pykickstart fails on it with an IndexError.")
		case strings.HasPrefix(stripped[1:], "@^") && pk.environment != nil && *pk.environment == stripped[3:]:
			pk.environment = nil
		case stripped[1] == '@':
			exclGroup = &group{name: stripped[2:], include: groupDefault}
		default:
			newExcl = stripped[1:]
		}
	default:
		newPkg = stripped
	}
	if exclGroup != nil {
		kept := pk.groups[:0:0]
		for _, g := range pk.groups {
			if g.name != exclGroup.name {
				kept = append(kept, g)
			}
		}
		pk.groups = kept
		pk.excludedGroups = append(pk.excludedGroups, *exclGroup)
	}
	// existing packages = (existing - new excluded) | new packages;
	// existing excluded = (existing excluded - packages) | new excluded.
	if newExcl != "" {
		delete(pk.pkgs, newExcl)
		pk.excluded[newExcl] = true
	}
	if newPkg != "" {
		pk.pkgs[newPkg] = true
		delete(pk.excluded, newPkg)
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

var groupOptions = []*action{
	{flags: []string{"--nodefaults"}, dest: "nodefaults", kind: aStoreTrue, def: false},
	{flags: []string{"--optional"}, dest: "optional", kind: aStoreTrue, def: false},
}

// processGroup is Packages._processGroup: "@name [--nodefaults|--optional]".
func (pk *packages) processGroup(p *parser, line string) error {
	args := pyFields(line)
	res, err := newArgParser(groupOptions).parse(args, "")
	if err != nil {
		return errf("%s", err.msg)
	}
	if truthy(res.ns["nodefaults"]) && truthy(res.ns["optional"]) {
		return errf("Group cannot specify both --nodefaults and --optional")
	}
	var extra []string
	for _, i := range res.extras {
		extra = append(extra, args[i])
	}
	name := strings.Join(extra, " ")
	for _, g := range pk.groups {
		if g.name == name {
			return nil
		}
	}
	inc := groupDefault
	switch {
	case truthy(res.ns["nodefaults"]):
		inc = groupRequired
	case truthy(res.ns["optional"]):
		inc = groupAll
	}
	pk.groups = append(pk.groups, group{name: name, include: inc})
	return nil
}

// packageSection is PackageSection.
type packageSection struct{}

func (s *packageSection) name() string   { return "%packages" }
func (s *packageSection) allLines() bool { return false }

func (s *packageSection) line(p *parser, text string) error {
	h, _, _ := strings.Cut(text, "#")
	return p.h.packages.add(p, pyRStrip(h))
}

func (s *packageSection) finalize(*parser, *Section) error { return nil }

func (s *packageSection) header(p *parser, sec *Section, args []string) error {
	ns, err := sectionParse(p, sec, args)
	if err != nil {
		return err
	}
	pk := p.h.packages
	v := p.h.v
	// Each version applies the options it knew; the parser of an older
	// one may accept an option it then ignores (F7's --nobase).
	pk.seen = true
	pk.excludeDocs = truthy(ns["excludedocs"])
	pk.ignoreMissing = truthy(ns["ignoremissing"])
	if v < F7 {
		return nil
	}
	if truthy(ns["defaultPackages"]) {
		pk.dflt = true
	}
	if v < F9 {
		return nil
	}
	if s, ok := ns["instLangs"].(string); ok {
		pk.instLangs = &s
	}
	if v < RHEL6 {
		return nil
	}
	if truthy(ns["defaultPackages"]) && truthy(ns["nobase"]) {
		return errf("--default and --nobase cannot be used together")
	}
	pk.addBase = !truthy(ns["nobase"])
	if v < F18 {
		return nil
	}
	pk.multiLib = truthy(ns["multiLib"])
	if v < F21 {
		return nil
	}
	if truthy(ns["defaultPackages"]) && truthy(ns["nocore"]) {
		return errf("--default and --nocore cannot be used together")
	}
	pk.nocore = truthy(ns["nocore"])
	if v < RHEL7 {
		return nil
	}
	pk.timeout, _ = ns["timeout"].(*big.Int)
	pk.retries, _ = ns["retries"].(*big.Int)
	if v < F24 {
		return nil
	}
	pk.excludeWeakdeps = truthy(ns["excludeWeakdeps"])
	if v >= F32 {
		pk.ignoreBroken = truthy(ns["ignorebroken"])
	}
	return nil
}
