package kind

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine/recipe"
)

// Preset is a block type that stands for a whole build: a build block and a
// graph of stages, as Koji's image-build, spin-livemedia and spin-appliance
// do (docs/architecture.md#presets). Presets live in stages/koji; the engine only expands them.
type Preset struct {
	// Name is the block type, e.g. "image_build".
	Name    string
	Summary string
	Doc     string
	Attrs   []Attr
	// Validate checks the evaluated attributes, as Kind.Validate does. Arch
	// is unknown: attributes that depend on it are unknown values.
	Validate func(cfg *Config) hcl.Diagnostics
	// Expand turns the block into a build block and stages. It works on
	// expressions, not values, so references to variables and locals keep
	// working in the stages it makes.
	Expand func(b *PresetBlock) (*Expansion, hcl.Diagnostics)
}

// PresetBlock is a preset block as written.
type PresetBlock struct {
	Preset    *Preset
	Label     string
	Block     *recipe.Block
	Attrs     hcl.Attributes
	Config    *Config
	DeclRange hcl.Range
}

// Expansion is what a preset block stands for.
type Expansion struct {
	Build  *recipe.Build
	Stages []*recipe.Stage
}
