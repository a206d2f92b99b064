package recipe

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Recipe is one parsed recipe file: one build, many stages.
type Recipe struct {
	// Filename is the path the recipe was read from; diagnostics use it.
	Filename string
	// Dir is the directory relative paths in the recipe resolve against.
	Dir string
	// Files holds the source of every file read, for diagnostic snippets.
	Files map[string]*hcl.File

	Variables []*Variable
	Locals    []*Local
	Build     *Build
	Stages    []*Stage
	// Executors are the executor blocks, in source order.
	Executors []*Executor
	// Cache is the cache block, nil without one (docs/team-cache.md).
	Cache *Cache
	// Presets are blocks of the preset types Parse was told about, such as
	// image_build "name" { ... }; the planner expands them.
	Presets []*Block
}

// Block is a preset block: its type, its one label and its body.
type Block struct {
	Type       string
	Label      string
	TypeRange  hcl.Range
	LabelRange hcl.Range
	DeclRange  hcl.Range
	Body       hcl.Body
}

// Variable is a `variable "name" { ... }` block.
type Variable struct {
	Name        string
	Description string
	// Type is the declared type constraint; cty.DynamicPseudoType when the
	// block has no type.
	Type cty.Type
	// Sensitive says the variable's value is a secret: it is masked
	// wherever imgpipe shows or records it (docs/reliability-secrets.md).
	Sensitive bool
	// Default is nil when the variable has no default and so must be set.
	Default   hcl.Expression
	DeclRange hcl.Range
}

// Local is one attribute of a `locals { ... }` block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Build is the `build { ... }` block. Every field is an expression; the
// planner evaluates them. A nil expression means the attribute is absent.
type Build struct {
	Name, Version, Release, Arches, CanFail, Scratch hcl.Expression
	DeclRange                                        hcl.Range
}

// Stage is a `stage "<kind>" "<name>" { ... }` block with its meta-arguments
// taken out; Body holds the kind's own attributes.
type Stage struct {
	Kind      string
	Name      string
	KindRange hcl.Range
	NameRange hcl.Range
	DeclRange hcl.Range

	// Meta-arguments (docs/reference.md#meta-arguments); nil when absent.
	Executor  hcl.Expression
	Image     hcl.Expression
	Timeout   hcl.Expression
	DependsOn []DependsOn

	// Body is the rest of the block, decoded by the planner against the
	// kind's schema.
	Body hcl.Body
}

// DependsOn is one `depends_on` entry: a reference to another stage.
type DependsOn struct {
	Name  string
	Range hcl.Range
}

// Executor is an `executor "<type>" "<name>" { ... }` block: a named place
// where stages run, such as a remote podman service (docs/architecture.md#executors). Its
// attributes are expressions the planner evaluates; nil when absent.
type Executor struct {
	// Type is the executor's type, one of ExecutorTypes.
	Type      string
	Name      string
	TypeRange hcl.Range
	NameRange hcl.Range
	DeclRange hcl.Range

	// Connection is the service's URI (unix://, ssh://, tcp://); absent
	// means $CONTAINER_HOST or the default socket.
	Connection hcl.Expression
	// Identity is the SSH private key for an ssh:// connection, a path
	// relative to the recipe's directory.
	Identity hcl.Expression
	// Arches lists the architectures whose per-arch stages run here unless
	// they name an executor.
	Arches hcl.Expression
	// Image is the default image of the stages that run here.
	Image hcl.Expression
	// Jobs is how many stages may run here at once (default 1).
	Jobs hcl.Expression
}

// Cache is a `cache "oci" { ref = "host[:port]/repo" push = true }` block:
// the team cache a run pulls stages' objects from and, with push, pushes
// them to (docs/team-cache.md). Its attributes are literals.
type Cache struct {
	Type string
	// Ref is the repository, as written (engine/cacheref.ParseRef reads it).
	Ref       string
	RefRange  hcl.Range
	Push      bool
	DeclRange hcl.Range
}
