package engine

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine/eval"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// meta evaluates the meta-arguments and picks the node's executor: the one
// the stage names; else, unless the kind is Local, the executor block its
// arch is routed to (route); else the host.
func (p *Planner) meta(n *Node, st *recipe.Stage, ctx *hcl.EvalContext, opts PrepareOptions, blocks []*ExecutorBlock, route *ExecutorBlock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	n.Executor = "host"
	executorOK := true
	named := st.Executor != nil
	if named {
		var v string
		var d hcl.Diagnostics
		v, executorOK, d = evalString(st.Executor, ctx, "executor")
		diags = append(diags, d...)
		if executorOK {
			n.Executor = v
		}
	} else if route != nil && !n.Kind.Local {
		n.Executor = route.Name
	} else if n.Kind.Container {
		n.Executor = "podman"
	}
	var block *ExecutorBlock
	routing := false // some executor block routes arches
	for _, b := range blocks {
		if b.Name == n.Executor {
			block = b
		}
		routing = routing || len(b.Arches) > 0
	}
	injected, isInjected := opts.Executors[n.Executor]
	switch {
	case !executorOK:
		// reported, or uses a value whose error is reported
	case n.Executor == "host", n.Executor == "podman", block != nil, isInjected:
	default:
		names := eval.ExecutorNames(blocks)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown executor",
			Detail: fmt.Sprintf("There is no executor %q.%s Use \"host\" (the default), \"podman\" or the name of an executor block (%s).",
				n.Executor, suggest.DidYouMean(n.Executor, names), suggest.QuoteList(names)),
			Subject: st.Executor.Range().Ptr(),
		})
		executorOK = false
	}
	if executorOK && n.Executor == "host" && n.Kind.Container {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Container stage on the host",
			Detail: fmt.Sprintf("%s stages run in a container, never on the host. Remove executor = \"host\" (they then run on \"podman\", or on the executor block their arch is routed to), or name a container executor.",
				n.Kind.Name),
			Subject: st.Executor.Range().Ptr(),
		})
		executorOK = false
	}
	image, imageOK := "", true
	if st.Image != nil {
		var d hcl.Diagnostics
		image, imageOK, d = evalString(st.Image, ctx, "image")
		diags = append(diags, d...)
		// A stage that names no executor may set an image for the arches
		// an executor block takes; on the others it runs on the host.
		if imageOK && executorOK && n.Executor == "host" && (named || n.Kind.Local || !routing) {
			detail := fmt.Sprintf("The image %q is only used by a container executor; set executor = \"podman\" or remove image.", image)
			if n.Kind.Local {
				detail = fmt.Sprintf("The image %q is only used by a container executor, and %s stages always run on this machine: remove image.", image, n.Kind.Name)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Image without a container executor",
				Detail:   detail,
				Subject:  st.Image.Range().Ptr(),
			})
		}
	}
	if executorOK && (n.Executor == "podman" || block != nil) {
		if image == "" && st.Image == nil && block != nil {
			image = block.Image
		}
		if image == "" && imageOK {
			diags = append(diags, missingImage(n, st, block, named))
		}
		spec := executor.ContainerSpec{Executor: n.Executor, Image: image}
		if block != nil {
			spec.Connection, spec.IdentityFile = block.Connection, block.IdentityFile
		}
		n.Container = &spec
	}
	switch {
	case !executorOK:
	case isInjected:
		n.ExecutorIdentity = injected.Identity()
	case n.Container != nil:
		// Provisional: Prepare replaces it with the opened executor's
		// identity, which names the image's ID.
		n.ExecutorIdentity = "podman image=" + image
		if block != nil {
			n.ExecutorIdentity += " executor=" + block.Name
		}
	default:
		n.ExecutorIdentity = executor.Host{}.Identity()
	}
	if st.Timeout != nil {
		v, ok, d := evalString(st.Timeout, ctx, "timeout")
		diags = append(diags, d...)
		if ok {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid timeout",
					Detail:   fmt.Sprintf("%q is not a positive duration. Write it like \"90s\", \"30m\" or \"2h\".", v),
					Subject:  st.Timeout.Range().Ptr(),
				})
			}
			n.Timeout = t
		}
	}
	return diags
}

// missingImage reports a stage that runs in a container and has no image.
func missingImage(n *Node, st *recipe.Stage, block *ExecutorBlock, named bool) *hcl.Diagnostic {
	var detail string
	subject := st.DeclRange
	switch {
	case block != nil && !named:
		detail = fmt.Sprintf("Stage %q runs on executor %q for %s (that block's arches list it), in a container: set image in the stage, or a default image in the executor block at %s.",
			n.Name, block.Name, n.Arches[0], block.Block.DeclRange)
	case block != nil:
		detail = fmt.Sprintf("Stage %q runs on executor %q, in a container: set image in the stage, or a default image in the executor block at %s.",
			n.Name, block.Name, block.Block.DeclRange)
		subject = st.Executor.Range()
	default:
		detail = fmt.Sprintf("Stage %q runs in a podman container: set image, e.g. image = \"registry.fedoraproject.org/fedora:41\".", n.Name)
		if st.Executor != nil {
			subject = st.Executor.Range()
		}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing image", Detail: detail, Subject: subject.Ptr()}
}
