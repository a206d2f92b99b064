package engine

import (
	"encoding/json"
	"fmt"
	"strings"
)

// PlanDoc is the document `imgpipe plan --json` prints
// (schemas/plan.schema.json).
type PlanDoc struct {
	Recipe string     `json:"recipe"`
	Build  Build      `json:"build"`
	Stages []StageDoc `json:"stages"`
}

// StageDoc is one stage instance of a PlanDoc.
type StageDoc struct {
	// Key names the instance: its stage and arch (Node.Key). Two stages
	// that do the same thing share an ID but not a key.
	Key    string   `json:"key"`
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`
	Arch   string   `json:"arch"`
	Arches []string `json:"arches"`
	// DependsOn lists the IDs of the instances this one needs, and Needs
	// their keys, in the same order.
	DependsOn []string `json:"depends_on"`
	Needs     []string `json:"needs"`
	// Executor is the identity of the executor (ExecutorIdentity).
	Executor string `json:"executor"`
	// ExecutorName is the executor the stage runs on when it is not the
	// host: "podman", or an executor block's name (named by the stage or
	// routed to by its arch).
	ExecutorName string `json:"executor_name,omitempty"`
	// Config is the resolved configuration; references to other stages'
	// outputs appear as "${stage.<name>.<output>}".
	Config json.RawMessage `json:"config"`
	// Inputs maps local paths to their content digests.
	Inputs  map[string]string `json:"inputs,omitempty"`
	Outputs []string          `json:"outputs"`
	Timeout string            `json:"timeout,omitempty"`
}

// Doc returns the plan as a PlanDoc.
func (p *Plan) Doc() PlanDoc {
	doc := PlanDoc{Recipe: p.Recipe.Filename, Build: p.Build, Stages: []StageDoc{}}
	for _, n := range p.Nodes {
		s := StageDoc{
			Key: n.Key(), ID: n.ID, Name: n.Name, Kind: n.Kind.Name, Arch: n.Arch, Arches: n.Arches,
			DependsOn: []string{}, Needs: []string{},
			Executor: n.ExecutorIdentity,
			Config:   canonicalJSON(n.Config),
			Outputs:  n.outputs,
		}
		if n.Executor != "host" {
			s.ExecutorName = n.Executor
		}
		if len(n.Inputs) > 0 {
			s.Inputs = n.Inputs
		}
		for _, d := range n.Deps {
			s.DependsOn = append(s.DependsOn, d.ID)
			s.Needs = append(s.Needs, d.Key())
		}
		if n.Timeout > 0 {
			s.Timeout = n.Timeout.String()
		}
		doc.Stages = append(doc.Stages, s)
	}
	return doc
}

// Graph renders the stage instances as Graphviz dot ("dot") or Mermaid
// ("mermaid"). Graph nodes are named by their place in the plan: one per
// instance, even when two share an ID.
func (p *Plan) Graph(format string) (string, error) {
	var b strings.Builder
	label := func(n *Node) string { return fmt.Sprintf("%s [%s]\\n%s", n.Name, n.Arch, n.Kind.Name) }
	index := make(map[*Node]int, len(p.Nodes))
	for i, n := range p.Nodes {
		index[n] = i + 1
	}
	key := func(n *Node) string { return fmt.Sprintf("n%d", index[n]) }
	switch format {
	case "dot":
		fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n  node [shape=box];\n", p.Build.Name)
		for _, n := range p.Nodes {
			fmt.Fprintf(&b, "  %s [label=\"%s\"];\n", key(n), label(n))
		}
		for _, n := range p.Nodes {
			for _, d := range n.Deps {
				fmt.Fprintf(&b, "  %s -> %s;\n", key(d), key(n))
			}
		}
		b.WriteString("}\n")
	case "mermaid":
		b.WriteString("flowchart LR\n")
		for _, n := range p.Nodes {
			fmt.Fprintf(&b, "  %s[\"%s [%s]<br/>%s\"]\n", key(n), n.Name, n.Arch, n.Kind.Name)
		}
		for _, n := range p.Nodes {
			for _, d := range n.Deps {
				fmt.Fprintf(&b, "  %s --> %s\n", key(d), key(n))
			}
		}
	default:
		return "", fmt.Errorf("unknown graph format %q: use dot or mermaid", format)
	}
	return b.String(), nil
}
