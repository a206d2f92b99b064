package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/executor"
)

// Executors are what a prepared plan's stages run on: the host, the
// executors given by name (PrepareOptions.Executors) and the container
// executors Prepare opened, each distinct executor and image once. They are
// the run-time side of a plan, kept out of it: open connections, not
// values. They also keep the state of the builders (executor blocks) for
// one run: how many stages each runs, and which were lost (pool.go).
type Executors struct {
	named  map[string]executor.Executor
	opener executor.Opener
	opened map[executor.ContainerSpec]executor.Executor
	errs   map[executor.ContainerSpec]error // specs that could not be opened

	mu       sync.Mutex
	builders map[string]*builder // by executor block name
	changed  chan struct{}       // closed when a builder's load or health changes
}

// For returns the executor a node that runs on no builder runs on: the one
// given by its name, else the container opened for it, else the host. It
// is nil for a container stage whose executor is not open (see Run's
// check). Nodes with a Pool get theirs from acquire.
func (e *Executors) For(n *Node) executor.Executor {
	if x := e.named[n.Executor]; x != nil {
		return x
	}
	if n.Container != nil {
		return e.opened[*n.Container]
	}
	return executor.Host{}
}

// open opens every distinct container spec of the plan once and sets the
// identities of the nodes that run there; the caller recomputes the stage
// IDs. A spec that fails is recorded (Run returns its *ExecutorError) and
// reported as a warning, so that `plan` still shows the graph. A builder of
// a pool that cannot be opened, or whose image is not the pool's, is
// skipped with a warning while another builder of the pool can serve.
func (e *Executors) open(ctx context.Context, p *Plan) hcl.Diagnostics {
	e.initBuilders(p.ExecutorBlocks)
	if e.opener == nil {
		return nil
	}
	e.opened = map[executor.ContainerSpec]executor.Executor{}
	e.errs = map[executor.ContainerSpec]error{}
	blocks := map[string]*ExecutorBlock{}
	for _, b := range p.ExecutorBlocks {
		blocks[b.Name] = b
	}
	warned := map[executor.ContainerSpec]bool{}   // "Builder skipped"
	unopened := map[executor.ContainerSpec]bool{} // "Cannot open executor"
	var diags eval.DiagSet
	for _, n := range p.Nodes {
		if n.Container == nil {
			continue
		}
		if _, ok := e.named[n.Executor]; ok {
			continue // its identity is final already
		}
		specs := n.Pool
		if len(specs) == 0 {
			specs = []executor.ContainerSpec{*n.Container}
		}
		identity, first := "", executor.ContainerSpec{} // the first builder opened sets the identity
		var skipped []*hcl.Diagnostic
		for _, spec := range specs {
			exec, err := e.openSpec(ctx, spec)
			switch {
			case err != nil:
				if !warned[spec] {
					skipped = append(skipped, skippedBuilder(blocks[spec.Executor], n, spec, errors.Unwrap(err).Error()))
				}
			case identity == "":
				identity, first = exec.Identity(), spec
			case exec.Identity() != identity && !warned[spec]:
				skipped = append(skipped, skippedBuilder(blocks[spec.Executor], n, spec, fmt.Sprintf(
					"there it is %s, not %s as on the builder before it in the pool, and a stage's ID names its image: "+
						"give every builder of a pool the same image (podman save on one, podman load on the other)", imageOf(exec), imageOf(e.opened[first]))))
			}
		}
		if identity != "" {
			n.ExecutorIdentity = identity
			for _, d := range skipped {
				diags.Add(d)
			}
			for _, spec := range specs {
				warned[spec] = warned[spec] || e.errs[spec] != nil || e.opened[spec].Identity() != identity
			}
			continue
		}
		n.Unopened = true
		spec := specs[0]
		if unopened[spec] {
			continue
		}
		unopened[spec] = true
		what := fmt.Sprintf("executor %q (%s) in image %q, which cannot be opened now", spec.Executor, spec.Where(), spec.Image)
		if len(specs) > 1 {
			what = fmt.Sprintf("the builders %s in image %q, none of which can be opened now; the first, %q (%s)", n.Executor, spec.Image, spec.Executor, spec.Where())
		}
		diags.Add(&hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Cannot open executor",
			Detail: fmt.Sprintf("Stage %q runs on %s: %v. Its stage ID, and those of the stages after it, are provisional: they do not name the image's ID yet.",
				n.Name, what, errors.Unwrap(e.errs[spec])),
			Subject: n.Stage.DeclRange.Ptr(),
		})
	}
	return diags.List()
}

// openSpec opens spec once; later calls return the first call's result.
func (e *Executors) openSpec(ctx context.Context, spec executor.ContainerSpec) (executor.Executor, error) {
	if err := e.errs[spec]; err != nil {
		return nil, err
	}
	if exec := e.opened[spec]; exec != nil {
		return exec, nil
	}
	exec, err := e.opener.Open(ctx, spec)
	if err == nil && exec == nil {
		err = fmt.Errorf("the opener returned no executor")
	}
	if err != nil {
		e.errs[spec] = &executor.OpenError{Spec: spec, Err: err}
		return nil, e.errs[spec]
	}
	e.opened[spec] = exec
	return exec, nil
}

// imageOf names the image an executor runs by its ID, or else by its
// identity.
func imageOf(x executor.Executor) string {
	if c, ok := x.(executor.Container); ok {
		return "sha256:" + c.ImageID()
	}
	return x.Identity()
}

// skippedBuilder warns that a pool's builder will not run node's stage.
func skippedBuilder(b *ExecutorBlock, n *Node, spec executor.ContainerSpec, why string) *hcl.Diagnostic {
	subject := n.Stage.DeclRange
	if b != nil {
		subject = b.Block.DeclRange
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Builder skipped",
		Detail: fmt.Sprintf("Executor %q (%s) will not run image %q: %s. The other builders of its pool run those stages.",
			spec.Executor, spec.Where(), spec.Image, why),
		Subject: subject.Ptr(),
	}
}

// check returns why the plan cannot run on these executors, before any
// stage starts: the *ExecutorError of a container executor that could not
// be opened, or diagnostics on the stages whose executor is not available.
func (e *Executors) check(p *Plan) error {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, n := range p.Nodes {
		if n.Unresolved {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Source not resolved",
				Detail:   fmt.Sprintf("Stage %q's source could not be resolved when the plan was prepared; prepare it again where the source can be reached.", n.Name),
				Subject:  n.Stage.DeclRange.Ptr(),
			})
		}
		if n.Executor == "host" || e.named[n.Executor] != nil {
			continue
		}
		if len(n.Pool) > 0 && len(e.usable(n)) > 0 {
			continue
		}
		if n.Container != nil {
			if err := e.errs[*n.Container]; err != nil {
				return err
			}
			if e.opened[*n.Container] != nil && len(n.Pool) == 0 {
				continue
			}
		}
		// Once per stage and executor: the instances of one stage may run
		// on different executors (routing).
		if key := n.Name + "\x00" + n.Executor; !seen[key] {
			seen[key] = true
			diags = append(diags, e.unavailable(n))
		}
	}
	if diags.HasErrors() {
		return diags
	}
	return nil
}

func (e *Executors) unavailable(n *Node) *hcl.Diagnostic {
	subject := n.Stage.DeclRange
	if n.Stage.Executor != nil {
		subject = n.Stage.Executor.Range()
	}
	detail := fmt.Sprintf("Stage %q asks for the %q executor, which this version of imgpipe cannot run yet. Use the host executor.", n.Name, n.Executor)
	switch {
	case n.Container != nil && e.opener == nil:
		detail = fmt.Sprintf("Stage %q runs in a container on executor %q, and this imgpipe has no container support: it was built without the podman executor.", n.Name, n.Executor)
	case n.Container != nil:
		detail = fmt.Sprintf("Stage %q runs in a container on executor %q, which was not opened: the plan was prepared with CheckOnly.", n.Name, n.Executor)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Executor not available",
		Detail:   detail,
		Subject:  subject.Ptr(),
	}
}
