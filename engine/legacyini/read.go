package legacyini

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/ini.v1"

	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/inputlimit"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Source is one INI file's content.
type Source struct {
	Filename string
	Bytes    []byte
}

// ReadSources reads what `koji image-build --config PATH` reads: the file, or
// every *.conf file of the directory in sorted order (later files override
// earlier keys). Dot files are skipped, as Python's glob skips them.
func ReadSources(path string) ([]Source, hcl.Diagnostics) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read INI file",
			Detail:   fmt.Sprintf("%s. Koji would stop too: \"Config file %s can't be opened.\"", err, path),
		}}
	}
	files := []string{path}
	if info.IsDir() {
		matches, err := filepath.Glob(filepath.Join(path, "*.conf"))
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read INI directory", Detail: err.Error()}}
		}
		files = files[:0]
		for _, m := range matches {
			if !strings.HasPrefix(filepath.Base(m), ".") {
				files = append(files, m)
			}
		}
		slices.Sort(files)
		if len(files) == 0 {
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "No *.conf files",
				Detail:   fmt.Sprintf("%s is a directory, so Koji reads every *.conf file in it, and it has none: Koji would stop with \"single section called [image-build] is required\".", path),
			}}
		}
	}
	var srcs []Source
	for _, name := range files {
		b, err := inputlimit.ReadFile(name, inputlimit.ConfigBytes)
		if d, _ := recipe.TooLarge(err, "INI file", "Koji's image-build INI is a few dozen lines: check that this is the file you meant."); d != nil {
			return nil, hcl.Diagnostics{d}
		}
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read INI file", Detail: err.Error()}}
		}
		srcs = append(srcs, Source{Filename: name, Bytes: b})
	}
	return srcs, nil
}

// iniOptions make gopkg.in/ini.v1 read as close to Koji's ConfigParser as it
// can: keys lowercased and section names kept, no inline comments, no
// backslash continuation, quotes kept, indented continuation lines, "=" and
// ":" delimiters, no parent sections.
var iniOptions = ini.LoadOptions{
	InsensitiveKeys:            true,
	IgnoreInlineComment:        true,
	IgnoreContinuation:         true,
	PreserveSurroundedQuote:    true,
	AllowPythonMultilineValues: true,
	KeyValueDelimiters:         "=:",
	ChildSectionDelimiter:      "\x00",
}

// msection is a section merged over all files: ConfigParser keeps the first
// position of a key and the last value.
type msection struct {
	name    string
	headers []*rawSection
	keys    map[string]*rawKey
	order   []string
}

func (s *msection) set(k *rawKey) {
	if _, ok := s.keys[k.name]; !ok {
		s.order = append(s.order, k.name)
	}
	s.keys[k.name] = k
}

// reader turns INI sources into the image_build intent.
type reader struct {
	files    []*iniFile
	values   map[*rawKey]string // raw values (before interpolation)
	sections map[string]*msection
	order    []string // section names, first appearance
	defaults *msection
	diags    hcl.Diagnostics
	seen     map[string]bool // diagnostics already reported
	expanded map[*rawKey]string
	bad      map[*rawKey]bool
	// visibleKeys caches visible; names holds the sorted names of each,
	// by section name.
	visibleKeys map[*msection]map[string]*rawKey
	names       map[string][]string
	// suggestions counts "did you mean"s: after maxSuggestions the rest go
	// without, so thousands of mistakes cost no quadratic time.
	suggestions int
	// expandedBytes counts the bytes interpolation has made, for the bound
	// on them (inputlimit.ExpandedBytes).
	expandedBytes int
}

// maxSuggestions is how many mistakes get a "did you mean": as many as are
// printed of one kind (cmd/imgpipe prints 100).
const maxSuggestions = 100

// didYouMean is suggest.DidYouMean for the first maxSuggestions mistakes.
func (r *reader) didYouMean(name string, names []string) string {
	if r.suggestions >= maxSuggestions {
		return ""
	}
	r.suggestions++
	return suggest.DidYouMean(name, names)
}

// maxCheckedKeys is the most keys a file may have for its values to be
// read by gopkg.in/ini.v1 as well as by the scanner: ini.v1 looks each new
// key up in a list of the section's keys (quadratic), and where the two
// readings differ the scanner's wins anyway.
const maxCheckedKeys = 1000

func (r *reader) add(d *hcl.Diagnostic) {
	id := d.Summary
	if d.Subject != nil {
		id += rangeString(*d.Subject) + fmt.Sprint(d.Subject.End.Byte)
	}
	id += d.Detail
	if r.seen[id] {
		return
	}
	r.seen[id] = true
	r.diags = append(r.diags, d)
}

func (r *reader) errorf(rng hcl.Range, summary, format string, args ...any) {
	r.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

func (r *reader) warnf(rng hcl.Range, summary, format string, args ...any) {
	r.add(&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

// read scans and merges the sources.
func (r *reader) read(srcs []Source) {
	r.values = map[*rawKey]string{}
	r.sections = map[string]*msection{}
	r.defaults = &msection{name: defaultSection, keys: map[string]*rawKey{}}
	r.seen = map[string]bool{}
	r.expanded = map[*rawKey]string{}
	r.bad = map[*rawKey]bool{}
	for _, src := range srcs {
		f, d := scan(src.Filename, src.Bytes)
		for _, diag := range d {
			r.add(diag)
		}
		r.files = append(r.files, f)
		r.readValues(f)
		for _, sec := range f.sections {
			ms := r.defaults
			if sec.name != defaultSection {
				ms = r.sections[sec.name]
				if ms == nil {
					ms = &msection{name: sec.name, keys: map[string]*rawKey{}}
					r.sections[sec.name] = ms
					r.order = append(r.order, sec.name)
				}
			}
			ms.headers = append(ms.headers, sec)
			for _, k := range sec.keys {
				ms.set(k)
			}
		}
	}
}

// readValues takes each key's value from gopkg.in/ini.v1. Where ini.v1 reads
// a line differently from ConfigParser (values that start with a backtick or
// """, indented comment or blank lines inside a multi-line value, a file it
// cannot load), the scanner's ConfigParser reading wins, so the value is
// always the one Koji sees.
func (r *reader) readValues(f *iniFile) {
	keys := 0
	for _, sec := range f.sections {
		keys += len(sec.keys)
	}
	var cfg *ini.File // nil: the scanner's values alone
	if keys <= maxCheckedKeys {
		if c, err := ini.LoadSources(iniOptions, f.src); err == nil {
			cfg = c
		}
	}
	for _, sec := range f.sections {
		var is *ini.Section
		if cfg != nil {
			is, _ = cfg.GetSection(sec.name)
		}
		for _, k := range sec.keys {
			want := k.value()
			r.values[k] = want
			if is == nil {
				continue
			}
			ik, kerr := is.GetKey(k.name)
			if kerr != nil {
				continue
			}
			if got := normaliseMultiline(ik.Value()); got == want {
				r.values[k] = got
			}
		}
	}
}

// normaliseMultiline strips each line of an ini.v1 multi-line value, as
// ConfigParser does.
func normaliseMultiline(v string) string {
	if !strings.Contains(v, "\n") {
		return strings.TrimSpace(v)
	}
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimRightFunc(strings.Join(lines, "\n"), unicode.IsSpace)
}

// --- interpolation --------------------------------------------------------

// maxDepth is ConfigParser's MAX_INTERPOLATION_DEPTH.
const maxDepth = 10

// visible returns the keys a section's values may interpolate: [DEFAULT]'s,
// overlaid with the section's own.
func (r *reader) visible(s *msection) map[string]*rawKey {
	if m, ok := r.visibleKeys[s]; ok {
		return m
	}
	m := map[string]*rawKey{}
	for n, k := range r.defaults.keys {
		m[n] = k
	}
	if s != nil {
		for n, k := range s.keys {
			m[n] = k
		}
	}
	if r.visibleKeys == nil {
		r.visibleKeys = map[*msection]map[string]*rawKey{}
		r.names = map[string][]string{}
	}
	r.visibleKeys[s] = m
	if s != nil {
		r.names[s.name] = sortedKeys(m)
	}
	return m
}

// expand returns k's value with ConfigParser's BasicInterpolation applied
// against vars: %(name)s expands, %% is a literal %, any other % is an
// error. ok is false when an error was reported.
func (r *reader) expand(k *rawKey, vars map[string]*rawKey, section string) (string, bool) {
	var out strings.Builder
	ok := r.interpolate(k, k, r.values[k], vars, section, 1, &out)
	r.expandedBytes += out.Len()
	if ok && r.expandedBytes > inputlimit.ExpandedBytes {
		r.errorf(k.valueRange(), "Interpolated values too large",
			"With the value of %s, the INI's values grow to more than %s through %%(...)s references, the most imgpipe expands (a reference to a value full of references multiplies). Write the values out, or use fewer references.", k.name, inputlimit.Size(inputlimit.ExpandedBytes))
		return "", false
	}
	return out.String(), ok
}

func (r *reader) interpolate(top, k *rawKey, rest string, vars map[string]*rawKey, section string, depth int, out *strings.Builder) bool {
	if depth > maxDepth {
		r.errorf(top.valueRange(), "Recursive interpolation",
			"The value of %s refers to itself through %%(...)s references more than %d levels deep; Koji's ConfigParser stops with InterpolationDepthError.", top.name, maxDepth)
		return false
	}
	raw := r.values[k]
	offset := len(raw) - len(rest) // where rest starts in k's raw value
	for rest != "" {
		if r.expandedBytes+out.Len() > inputlimit.ExpandedBytes {
			return true // expand reports it
		}
		p := strings.IndexByte(rest, '%')
		if p < 0 {
			out.WriteString(rest)
			return true
		}
		out.WriteString(rest[:p])
		at := offset + p
		rest = rest[p:]
		offset = at
		switch {
		case strings.HasPrefix(rest, "%%"):
			out.WriteByte('%')
			rest, offset = rest[2:], offset+2
		case strings.HasPrefix(rest, "%("):
			end := strings.IndexByte(rest, ')')
			if end < 3 || end+1 >= len(rest) || rest[end+1] != 's' {
				r.errorf(k.spanRange(raw, at, at+2), "Invalid % in value",
					"%q is not a reference Koji's ConfigParser understands (\"bad interpolation variable reference\"): write %%(name)s to use another key's value, or %%%% for a literal %%.", cut(rest, 20))
				return false
			}
			name := strings.ToLower(rest[2:end])
			ref, found := vars[name]
			if !found {
				names, ok := r.names[section]
				if !ok {
					names = sortedKeys(vars)
				}
				hint := r.didYouMean(name, names)
				r.errorf(k.spanRange(raw, at, at+end+2), "Unknown interpolation key",
					"%%(%s)s refers to a key that is not in [%s] or [DEFAULT], so Koji's ConfigParser stops (InterpolationMissingOptionError).%s To write a literal %%, write %%%%.", name, section, hint)
				return false
			}
			r.checkKojiOrder(top, name, ref, section)
			rest, offset = rest[end+2:], offset+end+2
			v := r.values[ref]
			if !strings.Contains(v, "%") {
				out.WriteString(v)
				continue
			}
			if ref == top && depth >= 1 {
				r.errorf(top.valueRange(), "Recursive interpolation",
					"The value of %s refers to itself (%%(%s)s); Koji's ConfigParser stops with InterpolationDepthError.", top.name, name)
				return false
			}
			if !r.interpolate(top, ref, v, vars, section, depth+1, out) {
				return false
			}
		default:
			bad := rest
			if rs := []rune(rest); len(rs) > 3 {
				bad = string(rs[:3])
			}
			r.errorf(k.spanRange(raw, at, at+len(bad)), "Invalid % in value",
				"Koji reads the INI with ConfigParser's interpolation, where %% starts a reference such as %%(version)s, and %q stops it (InterpolationSyntaxError). Write %%%% for a literal %%: %s.", bad, "%"+bad)
			return false
		}
	}
	return true
}

// checkKojiOrder warns when Koji could not expand a reference that imgpipe
// expands: Koji reads name, version, target, install_tree, arches, repo,
// format and can_fail one by one and removes each from [image-build] before
// reading the next, so a later key's %(name)s finds nothing (or [DEFAULT]'s
// value).
func (r *reader) checkKojiOrder(top *rawKey, name string, ref *rawKey, section string) {
	if section != SectionImageBuild || top.section.name != SectionImageBuild || ref.section.name != SectionImageBuild {
		return
	}
	if readIndex(name) >= readIndex(top.name) || readIndex(name) == len(kojiReadOrder) {
		return
	}
	fallback := "stops with InterpolationMissingOptionError"
	if d, ok := r.defaults.keys[name]; ok {
		fallback = fmt.Sprintf("uses [DEFAULT]'s value %q instead", r.values[d])
	}
	r.warnf(top.valueRange(), "Koji cannot expand this reference",
		"Koji reads %s and removes it from [image-build] before it reads %s, so for Koji %%(%s)s %s. imgpipe expands it as you meant. For the file to work in Koji too, move %s to [DEFAULT].", name, top.name, name, fallback, name)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// spanRange is the range of raw[from:to] of the key's raw value when the
// value is one line, else the whole value.
func (k *rawKey) spanRange(raw string, from, to int) hcl.Range {
	if k.multiline() || raw != k.lines[0].text || to > len(raw) {
		return k.valueRange()
	}
	l := k.lines[0]
	return hcl.Range{
		Filename: l.rng.Filename,
		Start:    hcl.Pos{Line: l.rng.Start.Line, Column: l.rng.Start.Column + utf8.RuneCountInString(raw[:from]), Byte: l.rng.Start.Byte + from},
		End:      hcl.Pos{Line: l.rng.Start.Line, Column: l.rng.Start.Column + utf8.RuneCountInString(raw[:to]), Byte: l.rng.Start.Byte + to},
	}
}

// value returns k's interpolated value in the section, reporting errors
// once.
func (r *reader) value(k *rawKey, s *msection) (string, bool) {
	if r.bad[k] {
		return "", false
	}
	if v, ok := r.expanded[k]; ok && k.section.name != defaultSection {
		return v, true
	}
	v, ok := r.expand(k, r.visible(s), s.name)
	if !ok {
		r.bad[k] = true
		return "", false
	}
	if k.section.name != defaultSection {
		r.expanded[k] = v
	}
	return v, true
}

// --- the intent -----------------------------------------------------------

// item is one element of a comma list, with its place in the INI.
type item struct {
	text string
	rng  hcl.Range
}

// attr is one image_build attribute read from the INI.
type attr struct {
	info  keyInfo
	key   *rawKey
	str   string
	items []item
	b     bool
}

// entry is one key of [ova-options] or [factory-parameters].
type entry struct {
	key   *rawKey
	value string
}

// build is what the INI asks for.
type build struct {
	header  *rawSection // the first [image-build] header
	name    *attr
	attrs   map[string]*attr
	cliOnly []*rawKey
	ova     *mapSection
	factory *mapSection
}

type mapSection struct {
	header  *rawSection
	entries []entry
}

// interpret applies Koji's reading of the merged sections, with imgpipe's
// answers to its quirks.
func (r *reader) interpret() *build {
	ib := r.sections[SectionImageBuild]
	r.checkSections(ib)
	if ib == nil {
		return nil
	}
	b := &build{header: ib.headers[0], attrs: map[string]*attr{}}
	// Interpolate every visible key, as Koji's items() does: a bad % in
	// any of them stops Koji.
	vars := r.visible(ib)
	for _, n := range sortedKeys(vars) {
		r.value(vars[n], ib)
	}
	spelled := map[string]*rawKey{} // attribute → key that set it
	for _, n := range ib.order {
		r.applyKey(b, ib, ib.keys[n], spelled, false)
	}
	for _, n := range r.defaults.order {
		if _, own := ib.keys[n]; own {
			continue
		}
		r.applyKey(b, ib, r.defaults.keys[n], spelled, true)
	}
	r.checkDefaultLists(b, ib)
	r.checkRequired(b, ib)
	b.ova = r.mapSection(SectionOVA)
	b.factory = r.mapSection(SectionFactory)
	if b.ova != nil {
		for _, e := range b.ova.entries {
			if strings.Contains(e.value, "=") {
				r.warnf(e.key.valueRange(), "\"=\" in an OVA option",
					"Koji passes OVA options as %q and its builder splits them at every \"=\", so this value makes the Koji build fail. imgpipe uses it as written.", e.key.name+"="+e.value)
			}
		}
	}
	return b
}

// defaultLists are the comma lists Koji cannot take from [DEFAULT].
var defaultLists = []string{"format", "repo"}

// checkDefaultLists reports format and repo in [DEFAULT]. Koji's
// handle_image_build splits each into a list and removes it from
// [image-build], but ConfigParser's items() still yields [DEFAULT]'s value,
// which then replaces the list as one plain string, even when
// [image-build] sets its own. The builder takes the string for a list and
// iterates over its characters: "Invalid format: q" for qcow2, a repository
// per character for repo. An empty value is an empty list to the builder:
// no format (raw only) or no repo (the build tag's), and so for imgpipe.
func (r *reader) checkDefaultLists(b *build, ib *msection) {
	for _, n := range defaultLists {
		k := r.defaults.keys[n]
		if k == nil {
			continue
		}
		v, ok := r.value(k, ib)
		if !ok {
			continue
		}
		own := ""
		if _, set := ib.keys[n]; set {
			own = fmt.Sprintf(", in place of [image-build]'s %s", n)
		}
		if v == "" {
			delete(b.attrs, n)
			outcome := "builds only the raw image, as with no format"
			if n == "repo" {
				outcome = "installs from the build tag's repository, as with no repo"
			}
			r.warnf(k.keyRange, "Empty "+n+" in [DEFAULT]",
				"Koji takes %s from [DEFAULT] as a plain string%s: empty, so Koji %s. imgpipe does the same. Remove the line from [DEFAULT].", n, own, outcome)
			continue
		}
		outcome := fmt.Sprintf("takes each character for a format and stops: \"Invalid format: %s\"", string([]rune(v)[:1]))
		if n == "repo" {
			outcome = fmt.Sprintf("makes a repository of each character (%s), and the install fails", charRepos(v))
		}
		r.errorf(k.keyRange, n+" in [DEFAULT]",
			"Koji splits %s into a list, but ConfigParser's items() then hands back [DEFAULT]'s value as one plain string%s, and Koji's builder %s. Move %s into [image-build] (to share a value, keep it in [DEFAULT] under another name and write %s = %%(thatname)s in [image-build]).",
			n, own, outcome, n, n)
	}
}

// charRepos describes the repositories Koji's builder makes of a repo
// string: one per distinct character.
func charRepos(v string) string {
	var chars []string
	for _, c := range v {
		q := strconv.Quote(string(c))
		if slices.Contains(chars, q) {
			continue
		}
		if len(chars) == 3 {
			chars = append(chars, "...")
			break
		}
		chars = append(chars, q)
	}
	return "baseurl " + strings.Join(chars, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkSections reports a missing [image-build] and sections Koji ignores.
func (r *reader) checkSections(ib *msection) {
	var near []*rawSection
	for _, name := range r.order {
		if slices.Contains(knownSections, name) {
			continue
		}
		s := r.sections[name]
		if best := closestSection(name); best != "" {
			near = append(near, s.headers[0])
			r.errorf(s.headers[0].header, "Unknown section",
				"Koji reads only [image-build], [ova-options] and [factory-parameters] (section names are case-sensitive) and would silently ignore [%s]. Did you mean [%s]?", name, best)
			continue
		}
		for _, h := range s.headers {
			r.warnf(h.header, "Section ignored",
				"Koji reads only [image-build], [ova-options] and [factory-parameters]; it ignores [%s], and so does imgpipe.", name)
		}
	}
	if ib != nil {
		return
	}
	var subject *hcl.Range
	switch {
	case len(near) > 0:
		return // the near miss already says it
	case len(r.order) > 0:
		subject = r.sections[r.order[0]].headers[0].header.Ptr()
	case len(r.defaults.headers) > 0:
		subject = r.defaults.headers[0].header.Ptr()
	case len(r.files) > 0:
		subject = &hcl.Range{Filename: r.files[0].name, Start: hcl.InitialPos, End: hcl.InitialPos}
	}
	r.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Missing [image-build] section",
		Detail:   fmt.Sprintf("%s has no [image-build] section, and Koji stops with \"single section called [image-build] is required\". Put the build's keys (name, version, target, install_tree, arches, distro, kickstart, ...) under [image-build].", r.fileList()),
		Subject:  subject,
	})
}

func closestSection(name string) string {
	cands := append([]string{}, knownSections...)
	if strings.EqualFold(name, defaultSection) {
		return defaultSection
	}
	norm := strings.ToLower(strings.NewReplacer("_", "-", " ", "-").Replace(name))
	for _, c := range cands {
		if norm == c || strings.TrimSuffix(norm, "s") == strings.TrimSuffix(c, "s") {
			return c
		}
	}
	return suggest.Closest(name, cands)
}

func (r *reader) fileList() string {
	var names []string
	for _, f := range r.files {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// applyKey reads one [image-build] key (or an inherited [DEFAULT] key).
func (r *reader) applyKey(b *build, ib *msection, k *rawKey, spelled map[string]*rawKey, inherited bool) {
	name := k.name
	canonical := name
	var hyphen bool
	if _, ok := keyTable[name]; !ok && strings.Contains(name, "-") {
		if u := strings.ReplaceAll(name, "-", "_"); keyTable[u].name != "" || u == optionalArches || cliOnlyKeys[u] != "" {
			canonical, hyphen = u, true
		}
	}
	if canonical == optionalArches {
		canonical = "can_fail"
	}
	if why, ok := cliOnlyKeys[canonical]; ok {
		if inherited {
			return
		}
		r.warnf(k.keyRange, "Koji CLI option not carried: "+canonical,
			"%s only changes how the koji command behaves: it %s. imgpipe accepts it and leaves it out of the recipe (imgpipe upgrade writes it as a comment); pass --%s to koji when you build there.", canonical, why, canonical)
		b.cliOnly = append(b.cliOnly, k)
		return
	}
	if why, ok := refusedKeys[canonical]; ok {
		if inherited {
			return
		}
		r.errorf(k.keyRange, "Key not allowed: "+canonical, "%s", why)
		return
	}
	info, ok := keyTable[canonical]
	if !ok {
		if inherited {
			return // [DEFAULT] keys are for interpolation; Koji ignores the rest
		}
		r.errorf(k.keyRange, "Unknown key",
			"Koji's image-build has no option %q, so Koji would silently ignore it.%s Keys are Koji's option names with underscores: %s.",
			name, r.didYouMean(name, knownKeyNames()), strings.Join(Keys, ", "))
		return
	}
	if prev, ok := spelled[info.name]; ok {
		if inherited {
			return
		}
		r.errorf(k.keyRange, "Key given twice",
			"%s sets %s, which %s at %s already sets. Keep one of them.", k.name, info.name, prev.name, rangeString(prev.keyRange))
		return
	}
	spelled[info.name] = k
	if hyphen && !inherited {
		u := strings.ReplaceAll(name, "-", "_")
		r.warnf(k.keyRange, "Hyphenated key",
			"Koji only knows %s (with underscores) and silently ignores %s. imgpipe applies it as %s; rename it so Koji does too.", u, name, u)
	}
	if strings.ReplaceAll(name, "-", "_") == optionalArches {
		r.warnf(k.keyRange, "optional_arches is can_fail",
			"optional_arches is Koji's internal name for can_fail. From the INI, Koji sends it as one string and tests membership by substring (\"ppc64\" would match \"ppc64le\"). imgpipe reads it as a comma list, as can_fail; rename it to can_fail.")
	}
	val, ok := r.value(k, ib)
	if !ok {
		return
	}
	a := &attr{info: info, key: k, str: val}
	switch info.kind {
	case kindList:
		a.items = r.splitList(k, val, info.name)
	case kindBool:
		a.b, ok = r.parseBool(k, val, info.name)
		if !ok {
			return
		}
	default:
		if info.required && strings.TrimSpace(val) == "" {
			r.errorf(k.valueRange(), "Empty "+info.name,
				"%s in [image-build] of %s is empty; Koji needs a value.", info.name, k.section.file.name)
			return
		}
	}
	if info.name == "name" {
		b.name = a
		return
	}
	b.attrs[info.name] = a
}

// splitList splits a comma list as Koji does (str.split(",")), then trims
// each item, which Koji does not, and drops empty ones, with warnings.
func (r *reader) splitList(k *rawKey, val, name string) []item {
	raw := r.values[k]
	exact := raw == val && !k.multiline() // item positions are known
	var items []item
	pos := 0
	warnedSpace := false
	for i, part := range strings.Split(val, ",") {
		from, to := trimmedSpan(part, 0, len(part))
		rng := k.valueRange()
		if exact {
			rng = k.spanRange(raw, pos+from, pos+to)
			if from == to {
				rng = k.spanRange(raw, pos, pos+len(part))
			}
		}
		pos += len(part) + 1
		text := part[from:to]
		if text == "" {
			if strings.TrimSpace(val) != "" {
				r.warnf(rng, "Empty list item",
					"Item %d of %s is empty (Koji splits at every comma and would pass an empty %s). imgpipe drops it.", i+1, name, strings.TrimSuffix(name, "es"))
			}
			continue
		}
		if text != part && !warnedSpace {
			warnedSpace = true
			r.warnf(rng, "Whitespace around list item",
				"Koji splits %s at commas without trimming, so it would read %q, whitespace included. imgpipe trims it to %q; write the list without spaces (%s) so Koji does too.",
				name, part, text, strings.Join(trimAll(strings.Split(val, ",")), ","))
		}
		items = append(items, item{text: text, rng: rng})
	}
	if len(items) == 0 && keyTable[name].required {
		r.errorf(k.valueRange(), "Empty "+name, "%s in [image-build] of %s lists nothing; Koji needs at least one.", name, k.section.file.name)
	}
	return items
}

func trimAll(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseBool reads a boolean key. Koji treats any non-empty value as true;
// imgpipe reads what the user meant.
func (r *reader) parseBool(k *rawKey, val, name string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(val)) {
	case "true", "yes", "on", "1":
		return true, true
	case "":
		return false, true // Koji: an empty string is false too
	case "false", "no", "off", "0":
		r.warnf(k.valueRange(), "False is true for Koji",
			"Koji takes %s = %s as true: it treats any non-empty value as true. imgpipe reads it as false, as you meant. For Koji, remove the line instead.", name, val)
		return false, true
	}
	r.errorf(k.valueRange(), "Invalid boolean",
		"%s = %s is neither true nor false. Koji would take it as true (any non-empty value is); write true or false (yes/no, on/off and 1/0 work too).", name, val)
	return false, false
}

// checkRequired reports the keys Koji cannot do without.
func (r *reader) checkRequired(b *build, ib *msection) {
	header := b.header
	for _, n := range Keys {
		info := keyTable[n]
		if !info.required {
			continue
		}
		if n == "name" && b.name != nil || b.attrs[n] != nil {
			continue
		}
		if _, set := ib.keys[n]; set {
			continue // set, and reported already
		}
		if _, set := r.defaults.keys[n]; set {
			continue
		}
		if hasSpelling(ib, n) {
			continue
		}
		why := missingWhy(n)
		if n == "kickstart" && b.attrs["ksurl"] != nil {
			why = "Koji's CLI lets ksurl go without kickstart, but its builder then crashes (os.path.basename(None)); name the kickstart file inside the ksurl checkout."
		}
		r.errorf(header.header, "Missing key: "+n, "[image-build] in %s has no %s. %s", header.file.name, n, why)
	}
}

func hasSpelling(s *msection, n string) bool {
	for k := range s.keys {
		if strings.ReplaceAll(k, "-", "_") == n || n == "can_fail" && k == optionalArches {
			return true
		}
	}
	return false
}

func missingWhy(n string) string {
	switch n {
	case "name", "version", "target", "install_tree", "arches":
		return "Koji reads it as a positional argument of image-build and stops with a NoOptionError traceback without it."
	case "distro":
		return "Koji stops: \"You must specify --distro. Examples: Fedora-16, RHEL-6.4, SL-6.4 or CentOS-6.4\"."
	case "kickstart":
		return "Koji stops: \"You must specify --kickstart\"."
	}
	return ""
}

// mapSection reads [ova-options] or [factory-parameters]: the section's own
// keys, in order. Koji would also pass every [DEFAULT] key as an option;
// imgpipe does not, and says so.
func (r *reader) mapSection(name string) *mapSection {
	s := r.sections[name]
	if s == nil {
		return nil
	}
	vars := r.visible(s)
	for _, n := range sortedKeys(vars) {
		r.value(vars[n], s)
	}
	m := &mapSection{header: s.headers[0]}
	for _, n := range s.order {
		v, ok := r.value(s.keys[n], s)
		if ok {
			m.entries = append(m.entries, entry{key: s.keys[n], value: v})
		}
	}
	var leaked []string
	for _, n := range r.defaults.order {
		if _, own := s.keys[n]; !own {
			leaked = append(leaked, n)
		}
	}
	if len(leaked) > 0 {
		what := "OVA options"
		if name == SectionFactory {
			what = "factory parameters"
		}
		r.warnf(m.header.header, "[DEFAULT] keys not passed as "+what,
			"Koji's ConfigParser copies every [DEFAULT] key into [%s], so Koji would also pass %s as %s. imgpipe takes [DEFAULT] for values to interpolate and passes only the keys written in [%s].",
			name, strings.Join(leaked, ", "), what, name)
	}
	return m
}

// readAll is the reader's entry point: sources to intent.
func readAll(srcs []Source) (*reader, *build) {
	r := &reader{}
	r.read(srcs)
	b := r.interpret()
	return r, b
}

// hclFile wraps a source for diagnostic snippets.
func hclFile(src []byte) *hcl.File {
	return &hcl.File{Bytes: bytes.Clone(src)}
}
