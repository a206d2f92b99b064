package legacyini

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/recipe"
)

// Result is an INI read and converted to an image_build recipe.
type Result struct {
	// Path is the INI file or directory, as given; the recipe's Filename.
	Path string
	// Filename is the synthetic name the HCL is parsed under: Path + ".hcl".
	// Relative paths in the recipe (a local kickstart) resolve against its
	// directory: the INI's directory, or for a directory of *.conf files
	// its parent, where `koji image-build --config DIR` is usually run.
	Filename string
	// HCL is the image_build block, formatted; nil when reading failed.
	HCL []byte
	// Files holds the INI sources, for diagnostic snippets.
	Files map[string]*hcl.File

	smap *sourceMap
}

// Load reads an INI file, or a directory of *.conf files, and converts it.
func Load(path string) (*Result, hcl.Diagnostics) {
	srcs, diags := ReadSources(path)
	if diags.HasErrors() {
		return &Result{Path: path, Filename: filepath.Clean(path) + ".hcl", Files: map[string]*hcl.File{}}, diags
	}
	return Convert(path, srcs)
}

// Convert reads sources as `koji image-build --config` does (in order, later
// keys overriding earlier ones) and writes the image_build block they stand
// for. Every diagnostic points into the sources. When any is an error,
// Result.HCL is nil: an INI is planned only when it reads cleanly.
func Convert(path string, srcs []Source) (*Result, hcl.Diagnostics) {
	res := &Result{Path: path, Filename: filepath.Clean(path) + ".hcl", Files: map[string]*hcl.File{}}
	for _, s := range srcs {
		res.Files[s.Filename] = hclFile(s.Bytes)
	}
	r, b := readAll(srcs)
	if r.diags.HasErrors() || b == nil {
		return res, r.diags
	}
	res.HCL, res.smap = generate(b, res.Filename)
	return res, r.diags
}

// Recipe parses the generated HCL as a recipe. Its diagnostics point into
// the INI; so do the planner's, through Map.
func (res *Result) Recipe(opts ...recipe.Option) (*recipe.Recipe, hcl.Diagnostics) {
	r, diags := recipe.Parse(res.HCL, res.Filename, opts...)
	if r != nil {
		r.Filename = res.Path
		for name, f := range res.Files {
			r.Files[name] = f
		}
	}
	return r, res.Map(diags)
}

// Map points diagnostics about the generated HCL at the INI lines they came
// from. Others pass unchanged.
func (res *Result) Map(diags hcl.Diagnostics) hcl.Diagnostics {
	if res.smap == nil {
		return diags
	}
	out := make(hcl.Diagnostics, 0, len(diags))
	for _, d := range diags {
		out = append(out, res.smap.mapDiag(d))
	}
	return out
}

// --- generation -----------------------------------------------------------

// generate writes the image_build block: attributes in the order of Keys,
// lists as lists, [ova-options] and [factory-parameters] as maps in the
// INI's key order, then a comment for each key not carried.
func generate(b *build, filename string) ([]byte, *sourceMap) {
	f := hclwrite.NewEmptyFile()
	blk := f.Body().AppendNewBlock("image_build", []string{b.name.str})
	body := blk.Body()
	for _, n := range Keys[1:] {
		a := b.attrs[n]
		if a == nil {
			continue
		}
		body.SetAttributeValue(n, a.value())
	}
	for _, m := range []struct {
		name string
		sec  *mapSection
	}{{"ova_options", b.ova}, {"factory_parameters", b.factory}} {
		if m.sec == nil {
			continue
		}
		body.AppendNewline()
		var items []hclwrite.ObjectAttrTokens
		for _, e := range m.sec.entries {
			name := hclwrite.TokensForValue(cty.StringVal(e.key.name))
			if hclsyntax.ValidIdentifier(e.key.name) {
				name = hclwrite.TokensForIdentifier(e.key.name)
			}
			items = append(items, hclwrite.ObjectAttrTokens{Name: name, Value: hclwrite.TokensForValue(cty.StringVal(e.value))})
		}
		body.SetAttributeRaw(m.name, hclwrite.TokensForObject(items))
	}
	if len(b.cliOnly) > 0 {
		body.AppendNewline()
		for _, k := range b.cliOnly {
			line := "# Not carried, koji CLI only: " + k.written + " = " + strings.ReplaceAll(k.value(), "\n", " ") + "\n"
			body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(line)}})
		}
	}
	src := hclwrite.Format(f.Bytes())
	return src, newSourceMap(src, filename, b)
}

func (a *attr) value() cty.Value {
	switch a.info.kind {
	case kindList:
		if len(a.items) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vals := make([]cty.Value, len(a.items))
		for i, it := range a.items {
			vals[i] = cty.StringVal(it.text)
		}
		return cty.ListVal(vals)
	case kindBool:
		return cty.BoolVal(a.b)
	}
	return cty.StringVal(a.str)
}

// --- source map -----------------------------------------------------------

// span maps a range of the generated HCL to a range of the INI. items are
// the list items or map entries inside it, for narrowing a diagnostic that
// names one of them.
type span struct {
	gen, ini hcl.Range
	items    []item
}

type sourceMap struct {
	filename string
	spans    []span
	header   hcl.Range // [image-build]: for everything else in the block
}

func newSourceMap(src []byte, filename string, b *build) *sourceMap {
	m := &sourceMap{filename: filename, header: b.header.header}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return m
	}
	body := f.Body.(*hclsyntax.Body)
	if len(body.Blocks) != 1 {
		return m
	}
	blk := body.Blocks[0]
	m.add(blk.LabelRanges[0], b.name.key.valueRange(), nil)
	for name, a := range blk.Body.Attributes {
		switch name {
		case "ova_options", "factory_parameters":
			sec := b.ova
			if name == "factory_parameters" {
				sec = b.factory
			}
			var entries []item
			for _, e := range sec.entries {
				entries = append(entries, item{text: e.key.name, rng: e.key.keyRange})
			}
			m.add(a.NameRange, sec.header.header, nil)
			m.add(a.Expr.Range(), sec.header.header, entries)
			if obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok && len(obj.Items) == len(sec.entries) {
				for i, it := range obj.Items {
					k := sec.entries[i].key
					m.add(it.KeyExpr.Range(), k.keyRange, nil)
					m.add(it.ValueExpr.Range(), k.valueRange(), nil)
				}
			}
			continue
		}
		src := b.attrs[name]
		if src == nil {
			continue
		}
		m.add(a.NameRange, src.key.keyRange, nil)
		m.add(a.SrcRange, src.key.keyRange, nil)
		m.add(a.Expr.Range(), src.key.valueRange(), src.items)
		if tup, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && len(tup.Exprs) == len(src.items) {
			for i, e := range tup.Exprs {
				m.add(e.Range(), src.items[i].rng, nil)
			}
		}
	}
	return m
}

func (m *sourceMap) add(gen, ini hcl.Range, items []item) {
	m.spans = append(m.spans, span{gen: gen, ini: ini, items: items})
}

// lookup returns the smallest span holding r, or nil.
func (m *sourceMap) lookup(r hcl.Range) *span {
	var best *span
	for i := range m.spans {
		s := &m.spans[i]
		if s.gen.Start.Byte <= r.Start.Byte && r.End.Byte <= s.gen.End.Byte {
			if best == nil || s.gen.End.Byte-s.gen.Start.Byte < best.gen.End.Byte-best.gen.Start.Byte {
				best = s
			}
		}
	}
	return best
}

func (m *sourceMap) mapRange(r hcl.Range, detail string) hcl.Range {
	s := m.lookup(r)
	if s == nil {
		return m.header
	}
	if it := mentioned(s.items, detail); it != nil {
		return it.rng
	}
	return s.ini
}

// mentioned returns the item a diagnostic's detail names first, quoted.
func mentioned(items []item, detail string) *item {
	var best *item
	at := len(detail)
	for i := range items {
		if p := strings.Index(detail, strconv.Quote(items[i].text)); p >= 0 && p < at {
			best, at = &items[i], p
		}
	}
	return best
}

func (m *sourceMap) mapDiag(d *hcl.Diagnostic) *hcl.Diagnostic {
	if d.Subject == nil || d.Subject.Filename != m.filename {
		return d
	}
	out := *d
	rng := m.mapRange(*d.Subject, d.Detail)
	out.Subject = &rng
	out.Context = nil
	return &out
}
