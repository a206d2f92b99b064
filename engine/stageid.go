package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/canonjson"
)

// stageID hashes everything that determines a stage's result (docs/architecture.md#stage-ids).
func stageID(n *Node, arch string) string {
	return stageIDWith(n, arch, n.release, func(dep *Node) string { return dep.ID })
}

// material is what a stage ID or a content key hashes.
type material struct {
	Kind    string          `json:"kind"`
	Version int             `json:"version"`
	Arch    string          `json:"arch,omitempty"`
	Config  json.RawMessage `json:"config"`
	// Inputs are the IDs of the stages it references or depends on, by
	// name (a stage ID); Outputs the digests of the outputs it reads, by
	// stage.output (a content key).
	Inputs   map[string]string `json:"inputs,omitempty"`
	Outputs  map[string]string `json:"outputs,omitempty"`
	Local    map[string]string `json:"local,omitempty"`
	Executor string            `json:"executor"`
	Source   string            `json:"source,omitempty"`
	Release  string            `json:"release,omitempty"`
}

func (m *material) hash() string {
	b, _ := json.Marshal(m) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// contentKey hashes what a stage ID hashes, but with the digests of the
// outputs the stage reads in place of the IDs of the stages that made them
// (docs/architecture.md#early-cutoff). It is known once those stages have
// run: a stage whose inputs were rebuilt into the same bytes has the same
// content key as before, and reuses that object. Stages it only depends_on
// order it and add nothing.
func contentKey(n *Node, arch, release string, digest func(dep *Node, output string) string) string {
	m := ownMaterial(n, arch, release)
	m.Outputs = map[string]string{"": "content key"} // never equal to a stage ID's material
	for name, outputs := range n.uses {
		for _, o := range outputs {
			m.Outputs[name+"."+o] = digest(n.depNames[name], o)
		}
	}
	return m.hash()
}

// stageIDWith is stageID with the release and the upstream IDs given.
func stageIDWith(n *Node, arch, release string, idOf func(*Node) string) string {
	m := ownMaterial(n, arch, release)
	m.Inputs = map[string]string{}
	for name, dep := range n.depNames {
		m.Inputs[name] = idOf(dep)
	}
	return m.hash()
}

// ownMaterial is the material of the stage itself, its inputs aside.
func ownMaterial(n *Node, arch, release string) *material {
	m := &material{
		Source:   n.Resolved,
		Kind:     n.Kind.Name,
		Version:  n.Kind.Version,
		Config:   canonjson.Marshal(idConfig(n)),
		Local:    n.Inputs,
		Executor: n.ExecutorIdentity,
	}
	if n.Kind.PerArch {
		m.Arch = arch
	}
	if n.UsesRelease() {
		m.Release = release
	}
	return m
}

// idConfig is the configuration the stage ID hashes: all of it but the
// attributes marked NotInID.
func idConfig(n *Node) cty.Value {
	if !n.Config.Type().IsObjectType() {
		return n.Config
	}
	var drop []string
	for _, a := range n.Kind.Attrs {
		if a.NotInID {
			drop = append(drop, a.Name)
		}
	}
	if len(drop) == 0 {
		return n.Config
	}
	vals := n.Config.AsValueMap()
	for _, name := range drop {
		delete(vals, name)
	}
	return cty.ObjectVal(vals)
}

// UsesRelease reports whether any stage of the plan uses the release, so
// that a run must settle one before it starts.
func (p *Plan) UsesRelease() bool {
	for _, n := range p.Nodes {
		if n.UsesRelease() {
			return true
		}
	}
	return false
}
