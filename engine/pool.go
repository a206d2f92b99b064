package engine

import (
	"context"
	"errors"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// Builder pools (docs/remote-builders.md#builder-pools): the executor
// blocks that list one arch serve its stages together. A stage goes to a
// builder of its pool with a free slot (an executor block's jobs) when it
// is about to run, not when it is planned: its ID names its image, never
// the builder, so placement changes no ID and any builder's result serves
// the cache.

// builder is one executor block's state during a run.
type builder struct {
	jobs    int  // how many stages it may run at once
	running int  // how many it runs now
	lost    bool // its connection broke during the run: avoid it
}

// builderLoad is what placement knows of one builder of a pool.
type builderLoad struct {
	Healthy       bool
	Running, Jobs int
}

// place picks the builder a stage goes to: among the healthy builders of
// its pool (all of them, if none is healthy: each dials again), the least
// loaded one (running / jobs) that has a free slot, the first declared on
// a tie. It returns -1 when each of those is full: the stage waits.
func place(pool []builderLoad) int {
	anyHealthy := false
	for _, b := range pool {
		anyHealthy = anyHealthy || b.Healthy
	}
	best := -1
	for i, b := range pool {
		if (anyHealthy && !b.Healthy) || b.Running >= b.Jobs {
			continue
		}
		// b.Running/b.Jobs < best's, without division.
		if best < 0 || b.Running*pool[best].Jobs < pool[best].Running*b.Jobs {
			best = i
		}
	}
	return best
}

// initBuilders makes the run's builder states, one per executor block.
func (e *Executors) initBuilders(blocks []*ExecutorBlock) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.builders = map[string]*builder{}
	for _, b := range blocks {
		e.builders[b.Name] = &builder{jobs: max(b.Jobs, 1)}
	}
	e.changed = make(chan struct{})
}

// usable lists the builders of n's pool that can run it: opened for its
// image, with the image its ID names.
func (e *Executors) usable(n *Node) []executor.ContainerSpec {
	var specs []executor.ContainerSpec
	for _, spec := range n.Pool {
		if x := e.opened[spec]; x != nil && x.Identity() == n.ExecutorIdentity {
			specs = append(specs, spec)
		}
	}
	return specs
}

// lease is a node's hold on the executor it runs on; release gives the
// builder's slot back.
type lease struct {
	exec executor.Executor
	// builder names the executor block it runs on, "" if none.
	builder string
	e       *Executors
}

func (l *lease) release() {
	if l.builder == "" {
		return
	}
	l.e.mu.Lock()
	defer l.e.mu.Unlock()
	l.e.builders[l.builder].running--
	l.e.notify()
}

// errNoOtherBuilder: a stage whose builder was lost has no healthy builder
// left in its pool to run again on.
var errNoOtherBuilder = errors.New("no other builder of its pool is healthy")

// onPool reports whether n runs on a builder of its pool, placed by
// acquire within the builders' jobs.
func (e *Executors) onPool(n *Node) bool {
	return len(n.Pool) > 0 && e.named[n.Executor] == nil
}

// acquire returns the executor n runs on. A node with a Pool (and no
// executor given by its name: PrepareOptions.Executors) waits until
// one of its builders has a free slot (place) or ctx is done. With avoid
// set (the builder n was lost on), it takes only a healthy builder other
// than that one, or returns errNoOtherBuilder.
func (e *Executors) acquire(ctx context.Context, n *Node, avoid string) (*lease, error) {
	if !e.onPool(n) {
		return &lease{exec: e.For(n)}, nil
	}
	var specs []executor.ContainerSpec
	for _, spec := range e.usable(n) {
		if spec.Executor != avoid {
			specs = append(specs, spec)
		}
	}
	for {
		e.mu.Lock()
		loads := make([]builderLoad, 0, len(specs))
		var candidates []executor.ContainerSpec
		for _, spec := range specs {
			b := e.builders[spec.Executor]
			if avoid != "" && b.lost {
				continue
			}
			loads = append(loads, builderLoad{Healthy: !b.lost, Running: b.running, Jobs: b.jobs})
			candidates = append(candidates, spec)
		}
		if len(candidates) == 0 {
			e.mu.Unlock()
			return nil, errNoOtherBuilder
		}
		if i := place(loads); i >= 0 {
			spec := candidates[i]
			e.builders[spec.Executor].running++
			e.mu.Unlock()
			return &lease{exec: e.opened[spec], builder: spec.Executor, e: e}, nil
		}
		changed := e.changed
		e.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// markLost records that the builder's connection broke: placement avoids
// it for the rest of the run while its pool has a healthy builder.
func (e *Executors) markLost(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b := e.builders[name]; b != nil {
		b.lost = true
		e.notify()
	}
}

// notify wakes the stages waiting for a builder. e.mu is held.
func (e *Executors) notify() {
	close(e.changed)
	e.changed = make(chan struct{})
}
