package eval

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Placement is where a stage instance runs, from its meta-arguments.
type Placement struct {
	// Executor names the executor: "host", "podman" or an executor
	// block's name.
	Executor string
	// Container is set for an instance that runs in a container: on an
	// executor block, its pool's first builder.
	Container *executor.ContainerSpec
	// Pool lists the builders an instance that runs on executor blocks
	// may run on, in declaration order, each with the instance's image:
	// the blocks its arch is routed to, or the one block it names.
	Pool []executor.ContainerSpec
	// Identity is what of the executor enters the stage ID: an injected
	// executor's, the host's, or, until the container is opened, its
	// image by name.
	Identity string
	Timeout  time.Duration
}

// Place evaluates a stage's meta-arguments for one arch and picks its
// executor: the one the stage names; else, unless the kind is Local, the
// pool of executor blocks the arch is routed to (route); else the host.
// injected are executors given by name.
func Place(st *recipe.Stage, k *kind.Kind, arch string, ctx *hcl.EvalContext, injected map[string]executor.Executor, blocks []*ExecutorBlock, route []*ExecutorBlock) (Placement, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	n := &Placement{Executor: "host"}
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
	} else if len(route) > 0 && !k.Local {
		n.Executor = PoolName(route)
	} else if k.Container {
		n.Executor = "podman"
	}
	var pool []*ExecutorBlock // the blocks it may run on
	routing := false          // some executor block routes arches
	for _, b := range blocks {
		if b.Name == n.Executor {
			pool = []*ExecutorBlock{b}
		}
		routing = routing || len(b.Arches) > 0
	}
	if !named && len(route) > 0 && !k.Local {
		pool = route
	}
	var block *ExecutorBlock // the first: its image is the pool's (checkPool)
	if len(pool) > 0 {
		block = pool[0]
	}
	injectedExec, isInjected := injected[n.Executor]
	switch {
	case !executorOK:
		// reported, or uses a value whose error is reported
	case n.Executor == "host", n.Executor == "podman", block != nil, isInjected:
	default:
		names := ExecutorNames(blocks)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown executor",
			Detail: fmt.Sprintf("There is no executor %q.%s Use \"host\" (the default), \"podman\" or the name of an executor block (%s).",
				n.Executor, suggest.DidYouMean(n.Executor, names), suggest.QuoteList(names)),
			Subject: st.Executor.Range().Ptr(),
		})
		executorOK = false
	}
	if executorOK && n.Executor == "host" && k.Container {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Container stage on the host",
			Detail: fmt.Sprintf("%s stages run in a container, never on the host. Remove executor = \"host\" (they then run on \"podman\", or on the executor block their arch is routed to), or name a container executor.",
				k.Name),
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
		if imageOK && executorOK && n.Executor == "host" && (named || k.Local || !routing) {
			detail := fmt.Sprintf("The image %q is only used by a container executor; set executor = \"podman\" or remove image.", image)
			if k.Local {
				detail = fmt.Sprintf("The image %q is only used by a container executor, and %s stages always run on this machine: remove image.", image, k.Name)
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
			diags = append(diags, missingImage(st, arch, block, named))
		}
		spec := executor.ContainerSpec{Executor: n.Executor, Image: image}
		for _, b := range pool {
			n.Pool = append(n.Pool, executor.ContainerSpec{Executor: b.Name, Connection: b.Connection, IdentityFile: b.IdentityFile, Image: image})
		}
		if len(n.Pool) > 0 {
			spec = n.Pool[0]
		}
		n.Container = &spec
	}
	switch {
	case !executorOK:
	case isInjected:
		n.Identity = injectedExec.Identity()
	case n.Container != nil:
		// Provisional: Prepare replaces it with the opened executor's
		// identity, which names the image's ID and not the builder. Until
		// then it names the executor (a pool by its blocks), so that
		// instances routed elsewhere are not merged.
		n.Identity = "podman image=" + image
		if block != nil {
			n.Identity += " executor=" + n.Executor
		}
	default:
		n.Identity = executor.Host{}.Identity()
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
	return *n, diags
}

// missingImage reports a stage that runs in a container and has no image.
func missingImage(st *recipe.Stage, arch string, block *ExecutorBlock, named bool) *hcl.Diagnostic {
	var detail string
	subject := st.DeclRange
	switch {
	case block != nil && !named:
		detail = fmt.Sprintf("Stage %q runs on executor %q for %s (that block's arches list it), in a container: set image in the stage, or a default image in the executor block at %s.",
			st.Name, block.Name, arch, block.Block.DeclRange)
	case block != nil:
		detail = fmt.Sprintf("Stage %q runs on executor %q, in a container: set image in the stage, or a default image in the executor block at %s.",
			st.Name, block.Name, block.Block.DeclRange)
		subject = st.Executor.Range()
	default:
		detail = fmt.Sprintf("Stage %q runs in a podman container: set image, e.g. image = \"registry.fedoraproject.org/fedora:41\".", st.Name)
		if st.Executor != nil {
			subject = st.Executor.Range()
		}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing image", Detail: detail, Subject: subject.Ptr()}
}

// evalString evaluates a meta-argument. It is not ok when that fails, or
// when the value uses one whose error is already reported.
func evalString(expr hcl.Expression, ctx *hcl.EvalContext, what string) (string, bool, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() || v.ContainsMarked() {
		return "", false, diags
	}
	v, err := convert.Convert(v, cty.String)
	if err != nil || v.IsNull() || !v.IsKnown() {
		return "", false, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Invalid %s", what),
			Detail:   fmt.Sprintf("%s must be a string known before the run: a literal, a variable or a local value, not a stage output.", what),
			Subject:  expr.Range().Ptr(),
		}}
	}
	return v.AsString(), true, nil
}
