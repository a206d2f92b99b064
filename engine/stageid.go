package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/zclconf/go-cty/cty"
)

// stageID hashes everything that determines a stage's result (docs/architecture.md#stage-ids).
func stageID(n *Node, arch string) string {
	return stageIDWith(n, arch, n.release, func(dep *Node) string { return dep.ID })
}

// stageIDWith is stageID with the release and the upstream IDs given.
func stageIDWith(n *Node, arch, release string, idOf func(*Node) string) string {
	type material struct {
		Kind     string            `json:"kind"`
		Version  int               `json:"version"`
		Arch     string            `json:"arch,omitempty"`
		Config   json.RawMessage   `json:"config"`
		Inputs   map[string]string `json:"inputs,omitempty"`
		Local    map[string]string `json:"local,omitempty"`
		Executor string            `json:"executor"`
		Source   string            `json:"source,omitempty"`
		Release  string            `json:"release,omitempty"`
	}
	m := material{
		Source:   n.Resolved,
		Kind:     n.Kind.Name,
		Version:  n.Kind.Version,
		Config:   canonicalJSON(idConfig(n)),
		Inputs:   map[string]string{},
		Local:    n.Inputs,
		Executor: n.ExecutorIdentity,
	}
	if n.Kind.PerArch {
		m.Arch = arch
	}
	if n.Kind.UsesRelease {
		m.Release = release
	}
	for name, dep := range n.depNames {
		m.Inputs[name] = idOf(dep)
	}
	b, _ := json.Marshal(m) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
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
