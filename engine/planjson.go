package engine

import (
	"context"
	"encoding/json"

	"github.com/imgpipe/imgpipe/engine/cache"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/canonjson"
)

// PlanDoc is the document `imgpipe plan --json` prints
// (schemas/plan.schema.json).
type PlanDoc struct {
	Recipe string     `json:"recipe"`
	Build  kind.Build `json:"build"`
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
	// routed to by its arch), or a pool's block names joined with "+"
	// (docs/remote-builders.md#builder-pools).
	ExecutorName string `json:"executor_name,omitempty"`
	// Config is the resolved configuration; references to other stages'
	// outputs appear as "${stage.<name>.<output>}", secrets as
	// "[sensitive]" (docs/reliability-secrets.md).
	Config json.RawMessage `json:"config"`
	// Inputs maps local paths to their content digests.
	Inputs  map[string]string `json:"inputs,omitempty"`
	Outputs []string          `json:"outputs"`
	Timeout string            `json:"timeout,omitempty"`
	// Status is what a run would do with the instance (Plan.Statuses), and
	// Provisional says that the run's release, an unresolved source or an
	// executor not opened decides its ID.
	Status      Status `json:"status"`
	Provisional bool   `json:"provisional,omitempty"`
	// Reason says where the object of a StatusPull instance is: the team
	// cache and the stage ID or content key it has an entry for.
	Reason string `json:"reason,omitempty"`
}

// Doc returns the plan as a PlanDoc, with each instance's status in the
// store st (nil: no store yet).
func (p *Plan) Doc(st *store.Store) PlanDoc {
	doc, _ := p.DocWithCache(context.Background(), st, nil)
	return doc
}

// DocWithCache is Doc whose statuses also ask the team cache remote (nil:
// none), read-only (Plan.StatusesWithCache). The error says why the cache
// could not be asked; the document is then the one without it.
func (p *Plan) DocWithCache(ctx context.Context, st *store.Store, remote cache.Remote) (PlanDoc, error) {
	doc := PlanDoc{Recipe: p.Recipe.Filename, Build: p.Build, Stages: []StageDoc{}}
	report := p.StatusesWithCache(ctx, st, remote)
	status, provisional, ids := report.Status, report.Provisional, report.IDs
	for _, n := range p.Nodes {
		s := StageDoc{
			Key: n.Key(), ID: ids[n], Name: n.Name, Kind: n.Kind.Name, Arch: n.Arch, Arches: n.Arches,
			DependsOn: []string{}, Needs: []string{},
			Executor: n.ExecutorIdentity,
			Config:   canonjson.Marshal(maskConfig(p.Secrets, n)),
			Outputs:  n.outputs,
			Status:   status[n], Provisional: provisional[n],
			Reason: report.Reason[n],
		}
		if n.Executor != "host" {
			s.ExecutorName = n.Executor
		}
		if len(n.Inputs) > 0 {
			s.Inputs = n.Inputs
		}
		for _, d := range n.Deps {
			s.DependsOn = append(s.DependsOn, ids[d])
			s.Needs = append(s.Needs, d.Key())
		}
		if n.Timeout > 0 {
			s.Timeout = n.Timeout.String()
		}
		doc.Stages = append(doc.Stages, s)
	}
	return doc, report.CacheErr
}
