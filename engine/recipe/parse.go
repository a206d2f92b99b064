package recipe

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/cacheref"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "build"},
		{Type: "stage", LabelNames: []string{"kind", "name"}},
		{Type: "executor", LabelNames: []string{"type", "name"}},
		{Type: "cache", LabelNames: []string{"type"}},
	},
}

// CacheTypes are the types a cache block may have.
var CacheTypes = []string{"oci"}

var cacheSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "ref", Required: true},
		{Name: "push"},
	},
}

// ExecutorTypes are the types an executor block may have.
var ExecutorTypes = []string{"podman"}

// ReservedExecutors are the executor names that need no block; an executor
// block cannot take one of them.
var ReservedExecutors = []string{"host", "podman"}

var executorSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "connection"},
		{Name: "identity"},
		{Name: "arches"},
		{Name: "image"},
		{Name: "jobs"},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "default"},
		{Name: "type"},
		{Name: "description"},
		{Name: "sensitive"},
	},
}

var buildSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "name", Required: true},
		{Name: "version", Required: true},
		{Name: "release"},
		{Name: "arches", Required: true},
		{Name: "can_fail"},
		{Name: "scratch"},
	},
}

// MetaArguments are the attributes every stage block takes besides its
// kind's own (docs/reference.md#meta-arguments).
var MetaArguments = []string{"executor", "image", "depends_on", "timeout"}

var stageMetaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "executor"},
		{Name: "image"},
		{Name: "depends_on"},
		{Name: "timeout"},
	},
}

// Option changes how a recipe is parsed.
type Option func(*hcl.BodySchema)

// WithPresets accepts top-level blocks of these types, each with one label,
// as presets (Recipe.Presets).
func WithPresets(types ...string) Option {
	return func(s *hcl.BodySchema) {
		for _, t := range types {
			s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: t, LabelNames: []string{"name"}})
		}
	}
}

// LoadFile reads and parses the recipe at filename, which may hold at most
// inputlimit.ConfigBytes.
func LoadFile(filename string, opts ...Option) (*Recipe, hcl.Diagnostics) {
	src, head, diags := ReadFile(filename, "recipe")
	if diags.HasErrors() {
		var r *Recipe
		if head != nil {
			r = &Recipe{Filename: filename, Files: map[string]*hcl.File{filename: head}}
		}
		return r, diags
	}
	return Parse(src, filename, opts...)
}

// Parse parses recipe source. filename names it in diagnostics and sets the
// directory relative paths resolve against.
func Parse(src []byte, filename string, opts ...Option) (*Recipe, hcl.Diagnostics) {
	dir, err := filepath.Abs(filepath.Dir(filename))
	if err != nil {
		dir = filepath.Dir(filename)
	}
	r := &Recipe{Filename: filename, Dir: dir, Files: map[string]*hcl.File{}}
	if diags := CheckNesting(src, filename, hcl.InitialPos); diags.HasErrors() {
		r.Files[filename] = &hcl.File{Bytes: src}
		return r, diags
	}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if file != nil {
		r.Files[filename] = file
	}
	if diags.HasErrors() {
		return r, diags
	}
	return r, append(diags, r.decode(file.Body, opts)...)
}

func (r *Recipe) decode(body hcl.Body, opts []Option) hcl.Diagnostics {
	var diags hcl.Diagnostics
	schema := &hcl.BodySchema{Blocks: slices.Clone(fileSchema.Blocks)}
	for _, o := range opts {
		o(schema)
	}
	content, moreDiags := body.Content(schema)
	diags = append(diags, moreDiags...)

	seenVars := map[string]*Variable{}
	seenLocals := map[string]*Local{}
	seenStages := map[string]*Stage{}
	seenExecutors := map[string]*Executor{}
	for _, block := range content.Blocks {
		switch block.Type {
		case "variable":
			v, d := decodeVariable(block)
			diags = append(diags, d...)
			if v == nil {
				continue
			}
			if prev, ok := seenVars[v.Name]; ok {
				diags = append(diags, duplicate("variable", v.Name, block.LabelRanges[0], prev.DeclRange))
				continue
			}
			seenVars[v.Name] = v
			r.Variables = append(r.Variables, v)
		case "locals":
			attrs, d := block.Body.JustAttributes()
			diags = append(diags, d...)
			for _, attr := range sortedAttrs(attrs) {
				if prev, ok := seenLocals[attr.Name]; ok {
					diags = append(diags, duplicate("local value", attr.Name, attr.NameRange, prev.DeclRange))
					continue
				}
				l := &Local{Name: attr.Name, Expr: attr.Expr, DeclRange: attr.Range}
				seenLocals[attr.Name] = l
				r.Locals = append(r.Locals, l)
			}
		case "build":
			if r.Build != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate build block",
					Detail:   fmt.Sprintf("A recipe describes one build; the first build block is at %s. Move the second build into a recipe of its own.", r.Build.DeclRange),
					Subject:  block.DefRange.Ptr(),
				})
				continue
			}
			b, d := decodeBuild(block)
			diags = append(diags, d...)
			r.Build = b
		case "stage":
			s, d := decodeStage(block)
			diags = append(diags, d...)
			if s == nil {
				continue
			}
			if prev, ok := seenStages[s.Name]; ok {
				diags = append(diags, duplicate("stage", s.Name, s.NameRange, prev.DeclRange))
				continue
			}
			seenStages[s.Name] = s
			r.Stages = append(r.Stages, s)
		case "executor":
			e, d := decodeExecutor(block)
			diags = append(diags, d...)
			if e == nil {
				continue
			}
			if prev, ok := seenExecutors[e.Name]; ok {
				diags = append(diags, duplicate("executor", e.Name, e.NameRange, prev.DeclRange))
				continue
			}
			seenExecutors[e.Name] = e
			r.Executors = append(r.Executors, e)
		case "cache":
			if r.Cache != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate cache block",
					Detail:   fmt.Sprintf("A recipe names one team cache; the first cache block is at %s. Pull from another one for a run with --cache-from.", r.Cache.DeclRange),
					Subject:  block.DefRange.Ptr(),
				})
				continue
			}
			c, d := decodeCache(block)
			diags = append(diags, d...)
			r.Cache = c
		default: // a preset
			// Its label is the build's name, which need not be an HCL
			// identifier (Koji's gcc-c++, python3.12): the build block's
			// rules check it (Koji's package names: engine/eval).
			r.Presets = append(r.Presets, &Block{
				Type:       block.Type,
				Label:      block.Labels[0],
				TypeRange:  block.TypeRange,
				LabelRange: block.LabelRanges[0],
				DeclRange:  block.DefRange,
				Body:       block.Body,
			})
		}
	}
	if r.Build == nil && len(r.Presets) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing build block",
			Detail:   `A recipe needs one build block naming what it builds, e.g. build { name = "my-image" version = "1" arches = ["x86_64"] }.`,
			Subject:  hcl.Range{Filename: r.Filename, Start: hcl.InitialPos, End: hcl.InitialPos}.Ptr(),
		})
	}
	return diags
}

func decodeVariable(block *hcl.Block) (*Variable, hcl.Diagnostics) {
	name := block.Labels[0]
	diags := checkIdentifier("variable", name, block.LabelRanges[0])
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := block.Body.Content(variableSchema)
	diags = append(diags, d...)
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, DeclRange: block.DefRange}
	if attr, ok := content.Attributes["type"]; ok {
		ty, d := typeexpr.TypeConstraint(attr.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.Type = ty
		}
	}
	if attr, ok := content.Attributes["description"]; ok {
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if val.Type() != cty.String || val.IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid variable description",
					Detail:   "A description must be a literal string.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				v.Description = val.AsString()
			}
		}
	}
	if attr, ok := content.Attributes["sensitive"]; ok {
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if val.Type() != cty.Bool || val.IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid variable sensitive",
					Detail:   "sensitive must be a literal true or false.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				v.Sensitive = val.True()
			}
		}
	}
	if attr, ok := content.Attributes["default"]; ok {
		v.Default = attr.Expr
	}
	return v, diags
}

func decodeBuild(block *hcl.Block) (*Build, hcl.Diagnostics) {
	content, diags := block.Body.Content(buildSchema)
	b := &Build{DeclRange: block.DefRange}
	get := func(name string) hcl.Expression {
		if attr, ok := content.Attributes[name]; ok {
			return attr.Expr
		}
		return nil
	}
	b.Name, b.Version, b.Release = get("name"), get("version"), get("release")
	b.Arches, b.CanFail, b.Scratch = get("arches"), get("can_fail"), get("scratch")
	return b, diags
}

func decodeStage(block *hcl.Block) (*Stage, hcl.Diagnostics) {
	s := &Stage{
		Kind:      block.Labels[0],
		Name:      block.Labels[1],
		KindRange: block.LabelRanges[0],
		NameRange: block.LabelRanges[1],
		DeclRange: block.DefRange,
	}
	diags := checkIdentifier("stage", s.Name, s.NameRange)
	if diags.HasErrors() {
		return nil, diags
	}
	content, rest, d := block.Body.PartialContent(stageMetaSchema)
	diags = append(diags, d...)
	s.Body = rest
	if attr, ok := content.Attributes["executor"]; ok {
		s.Executor = attr.Expr
	}
	if attr, ok := content.Attributes["image"]; ok {
		s.Image = attr.Expr
	}
	if attr, ok := content.Attributes["timeout"]; ok {
		s.Timeout = attr.Expr
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, d := decodeDependsOn(attr)
		diags = append(diags, d...)
		s.DependsOn = deps
	}
	return s, diags
}

func decodeExecutor(block *hcl.Block) (*Executor, hcl.Diagnostics) {
	e := &Executor{
		Type:      block.Labels[0],
		Name:      block.Labels[1],
		TypeRange: block.LabelRanges[0],
		NameRange: block.LabelRanges[1],
		DeclRange: block.DefRange,
	}
	var diags hcl.Diagnostics
	if !slices.Contains(ExecutorTypes, e.Type) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown executor type",
			Detail: fmt.Sprintf("There is no executor type %q.%s Executor blocks are of type %s, as in executor \"podman\" \"arm64\" { connection = \"ssh://builder@arm-host/run/podman/podman.sock\" }.",
				e.Type, suggest.DidYouMean(e.Type, ExecutorTypes), strings.Join(ExecutorTypes, ", ")),
			Subject: e.TypeRange.Ptr(),
		})
	}
	badName := checkIdentifier("executor", e.Name, e.NameRange)
	diags = append(diags, badName...)
	if slices.Contains(ReservedExecutors, e.Name) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reserved executor name",
			Detail:   fmt.Sprintf("%q names a built-in executor, which needs no block. Give this one a name of its own, such as %q.", e.Name, e.Name+"-remote"),
			Subject:  e.NameRange.Ptr(),
		})
	}
	content, d := block.Body.Content(executorSchema)
	diags = append(diags, d...)
	get := func(name string) hcl.Expression {
		if attr, ok := content.Attributes[name]; ok {
			return attr.Expr
		}
		return nil
	}
	e.Connection, e.Identity, e.Arches, e.Image, e.Jobs = get("connection"), get("identity"), get("arches"), get("image"), get("jobs")
	if badName.HasErrors() {
		return nil, diags
	}
	return e, diags
}

func decodeCache(block *hcl.Block) (*Cache, hcl.Diagnostics) {
	c := &Cache{Type: block.Labels[0], DeclRange: block.DefRange}
	var diags hcl.Diagnostics
	if !slices.Contains(CacheTypes, c.Type) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown cache type",
			Detail: fmt.Sprintf("There is no cache type %q.%s A team cache is kept in an OCI registry: cache \"oci\" { ref = \"registry.example.com/team/imgpipe-cache\" }.",
				c.Type, suggest.DidYouMean(c.Type, CacheTypes)),
			Subject: block.LabelRanges[0].Ptr(),
		})
	}
	content, d := block.Body.Content(cacheSchema)
	diags = append(diags, d...)
	// Literals: the cache is chosen before anything is evaluated, and a
	// run picks another with --cache-from and --cache-to.
	literal := func(attr *hcl.Attribute, want cty.Type, example string) (cty.Value, bool) {
		v, d := attr.Expr.Value(nil)
		if d.HasErrors() || v.IsNull() || !v.IsWhollyKnown() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cache " + attr.Name + " must be a literal",
				Detail:   fmt.Sprintf("Write %s = %s: a cache block is read before variables are. A run takes another cache with --cache-from and --cache-to.", attr.Name, example),
				Subject:  attr.Expr.Range().Ptr(),
			})
			return cty.NilVal, false
		}
		if v.Type() != want {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid cache " + attr.Name,
				Detail:   fmt.Sprintf("%s takes a %s, such as %s = %s.", attr.Name, want.FriendlyName(), attr.Name, example),
				Subject:  attr.Expr.Range().Ptr(),
			})
			return cty.NilVal, false
		}
		return v, true
	}
	if attr, ok := content.Attributes["ref"]; ok {
		c.RefRange = attr.Expr.Range()
		if v, ok := literal(attr, cty.String, `"registry.example.com/team/imgpipe-cache"`); ok {
			c.Ref = v.AsString()
			if _, err := cacheref.ParseRef(c.Ref); err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid cache ref",
					Detail:   fmt.Sprintf("%v. A cache's ref is a repository of a registry: host[:port]/repo, such as \"registry.example.com/team/imgpipe-cache\".", err),
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
		}
	}
	if attr, ok := content.Attributes["push"]; ok {
		if v, ok := literal(attr, cty.Bool, "true"); ok {
			c.Push = v.True()
		}
	}
	return c, diags
}

func decodeDependsOn(attr *hcl.Attribute) ([]DependsOn, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid depends_on",
			Detail:   "depends_on takes a list of stage references, e.g. depends_on = [stage.tree].",
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	var deps []DependsOn
	for _, expr := range exprs {
		trav, d := hcl.AbsTraversalForExpr(expr)
		if d.HasErrors() || len(trav) != 2 || trav.RootName() != "stage" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on entry",
				Detail:   "Each depends_on entry is a whole stage, written stage.<name>, without an output or quotes.",
				Subject:  expr.Range().Ptr(),
			})
			continue
		}
		step, ok := trav[1].(hcl.TraverseAttr)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on entry",
				Detail:   "Each depends_on entry is written stage.<name>.",
				Subject:  expr.Range().Ptr(),
			})
			continue
		}
		deps = append(deps, DependsOn{Name: step.Name, Range: expr.Range()})
	}
	return deps, diags
}

func checkIdentifier(what, name string, rng hcl.Range) hcl.Diagnostics {
	if hclsyntax.ValidIdentifier(name) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", what),
		Detail:   fmt.Sprintf("%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter or an underscore.", name),
		Subject:  rng.Ptr(),
	}}
}

func duplicate(what, name string, rng, prev hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s %q", what, name),
		Detail:   fmt.Sprintf("A %s named %q is already declared at %s. Names must be unique: rename one of them.", what, name, prev),
		Subject:  rng.Ptr(),
	}
}

// sortedAttrs returns attributes in source order, so diagnostics and
// evaluation follow the file.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *hcl.Attribute) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	return list
}
