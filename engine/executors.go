package engine

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// ExecutorBlock is an evaluated `executor "<type>" "<name>" { ... }` block
// (DESIGN §5): a container service stages run on, by name or by routing.
type ExecutorBlock struct {
	Type string // "podman"
	Name string
	// Connection is the service's URI (unix://, ssh:// or tcp://); empty
	// means $CONTAINER_HOST or the default socket.
	Connection string
	// IdentityFile is the SSH key for an ssh:// connection, absolute; empty
	// when the block sets none.
	IdentityFile string
	// Arches are the architectures whose per-arch stages that name no
	// executor run here (fetch-ks, flatten and upload always run locally:
	// Kind.Local).
	Arches []string
	// Image is the default image of the stages that run here.
	Image string
	Block *recipe.Executor
}

// ContainerSpec is what opening one container executor takes: the executor
// a stage runs on and the image it runs.
type ContainerSpec struct {
	// Executor is "podman" or the name of an executor block.
	Executor string
	// Connection is the service's URI; empty means $CONTAINER_HOST or the
	// default socket.
	Connection string
	// IdentityFile is the SSH key for an ssh:// Connection, or empty.
	IdentityFile string
	// Image is the image's name as the recipe gives it.
	Image string
}

// where describes the spec's service for messages.
func (s ContainerSpec) where() string {
	if s.Connection == "" {
		return "$CONTAINER_HOST or the default podman socket"
	}
	return s.Connection
}

// Containers opens container executors. The engine imports no container
// library: the command line implements it with engine/executor/podman.
type Containers interface {
	// Open connects to the spec's service and looks its image up. The
	// executor's Identity must name the image's ID (not its name), so that
	// a re-tagged image changes the IDs of the stages that run in it.
	Open(ctx context.Context, spec ContainerSpec) (executor.Executor, error)
}

// ExecutorError reports a container executor that could not be opened: a
// service that cannot be reached, an image it does not have.
type ExecutorError struct {
	Spec ContainerSpec
	Err  error
}

func (e *ExecutorError) Error() string {
	return fmt.Sprintf("executor %q (connection %s, image %s): %v", e.Spec.Executor, e.Spec.where(), e.Spec.Image, e.Err)
}

func (e *ExecutorError) Unwrap() error { return e.Err }

// containerState is what a plan knows about its container executors.
type containerState struct {
	opener Containers
	// opened is set once the plan's container executors were opened (or
	// tried): by Resolve, or by Run for a plan that was not resolved.
	opened bool
	execs  map[ContainerSpec]executor.Executor
	errs   map[ContainerSpec]error
	// injected are the executors PlanOptions gave by name; their nodes
	// already have their final identity.
	injected map[string]executor.Executor
}

// containerExecutor returns the container executor opened for a node, or
// nil (a host stage, or containers not opened).
func (p *Plan) containerExecutor(n *Node) executor.Executor {
	if n.Container == nil {
		return nil
	}
	return p.containers.execs[*n.Container]
}

// openContainers opens every distinct container spec of the plan once,
// sets the identities of the nodes that run there and recomputes the stage
// IDs. A spec that fails is recorded (Run returns its *ExecutorError) and
// reported as a warning, so `plan` still shows the graph.
func (p *Plan) openContainers(ctx context.Context) hcl.Diagnostics {
	cs := &p.containers
	if cs.opened || cs.opener == nil {
		return nil
	}
	cs.opened = true
	cs.execs = map[ContainerSpec]executor.Executor{}
	cs.errs = map[ContainerSpec]error{}
	var diags diagSet
	for _, n := range p.Nodes {
		if n.Container == nil {
			continue
		}
		if _, ok := cs.injected[n.Executor]; ok {
			continue
		}
		spec := *n.Container
		if _, failed := cs.errs[spec]; failed {
			continue
		}
		exec, seen := cs.execs[spec]
		if !seen {
			var err error
			exec, err = cs.opener.Open(ctx, spec)
			if err == nil && exec == nil {
				err = fmt.Errorf("the opener returned no executor")
			}
			if err != nil {
				cs.errs[spec] = &ExecutorError{Spec: spec, Err: err}
				diags.add(&hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Cannot open executor",
					Detail: fmt.Sprintf("Stage %q runs on executor %q (%s) in image %q, which cannot be opened now: %v. Its stage ID, and those of the stages after it, are provisional: they do not name the image's ID yet.",
						n.Name, spec.Executor, spec.where(), spec.Image, err),
					Subject: n.Stage.DeclRange.Ptr(),
				})
				continue
			}
			cs.execs[spec] = exec
		}
		n.ExecutorIdentity = exec.Identity()
	}
	p.recomputeIDs()
	return diags.list
}

// evalExecutors evaluates the executor blocks once for all arches and maps
// each routed arch to its block.
func evalExecutors(r *recipe.Recipe, sc *scope, build Build) ([]*ExecutorBlock, map[string]*ExecutorBlock, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var blocks []*ExecutorBlock
	routes := map[string]*ExecutorBlock{}
	routeRange := map[string]hcl.Range{}
	ctx := sc.evalContext(cty.EmptyObjectVal)
	for _, e := range r.Executors {
		eval := func(expr hcl.Expression, name string, ty cty.Type) (cty.Value, bool) {
			v, ok, d := planTimeValue(expr, ctx, r, ty, planTimeWords{
				block:    "executor block",
				attr:     name,
				archNote: fmt.Sprintf("An executor block serves every architecture at once, so its %s cannot use arch, directly or through a local value.", name),
				typeNote: fmt.Sprintf("The executor's %s must be a", name),
			})
			diags = append(diags, d...)
			return v, ok
		}
		str := func(expr hcl.Expression, name string) string {
			v, ok := eval(expr, name, cty.String)
			if !ok || v.IsNull() {
				return ""
			}
			return v.AsString()
		}
		b := &ExecutorBlock{Type: e.Type, Name: e.Name, Block: e}
		b.Connection = str(e.Connection, "connection")
		scheme := ""
		if b.Connection != "" {
			u, err := url.Parse(b.Connection)
			if err == nil {
				scheme = u.Scheme
			}
			switch {
			case err != nil || !slices.Contains([]string{"unix", "ssh", "tcp"}, scheme):
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid connection",
					Detail: fmt.Sprintf("%q is not a podman service URI. Write unix:///run/podman/podman.sock for a local socket, "+
						"ssh://user@host[:port]/run/podman/podman.sock for a service on another machine, or tcp://host:port.", b.Connection),
					Subject: e.Connection.Range().Ptr(),
				})
			case scheme == "ssh" && u.Host == "":
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid connection",
					Detail:   fmt.Sprintf("%q names no host. Write ssh://user@host[:port]/run/podman/podman.sock.", b.Connection),
					Subject:  e.Connection.Range().Ptr(),
				})
			case scheme == "unix" && u.Path == "":
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid connection",
					Detail:   fmt.Sprintf("%q names no socket. Write unix:// and the socket's absolute path, as in unix:///run/podman/podman.sock.", b.Connection),
					Subject:  e.Connection.Range().Ptr(),
				})
			}
		}
		if id := str(e.Identity, "identity"); id != "" {
			if scheme != "ssh" && b.Connection != "" {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Identity without an ssh connection",
					Detail:   fmt.Sprintf("identity is the SSH key for an ssh:// connection; %q is not one. Remove identity, or connect over ssh://.", b.Connection),
					Subject:  e.Identity.Range().Ptr(),
				})
			}
			if !filepath.IsAbs(id) {
				id = filepath.Join(r.Dir, id)
			}
			b.IdentityFile = id
		}
		b.Image = str(e.Image, "image")
		if v, ok := eval(e.Arches, "arches", cty.List(cty.String)); ok && !v.IsNull() {
			i := -1
			for it := v.ElementIterator(); it.Next(); {
				i++
				_, a := it.Element()
				rng := itemRange(e.Arches, i)
				if a.IsNull() {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Null in executor arches",
						Detail:   "arches lists architecture names, as strings; remove the null.",
						Subject:  rng,
					})
					continue
				}
				arch := a.AsString()
				if prev, ok := routes[arch]; ok {
					what := fmt.Sprintf("executor %q at %s", prev.Name, routeRange[arch])
					if prev == b {
						what = "this block already"
					}
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Architecture routed twice",
						Detail:   fmt.Sprintf("%q is listed by %s. Each architecture's stages run on one executor: remove it from one of the lists.", arch, what),
						Subject:  rng,
					})
					continue
				}
				if len(build.Arches) > 0 && !slices.Contains(build.Arches, arch) {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagWarning,
						Summary:  "Executor arch not built",
						Detail:   fmt.Sprintf("%q is not in build.arches (%s), so no stage is routed to executor %q for it.%s", arch, strings.Join(build.Arches, ", "), b.Name, suggest.DidYouMean(arch, build.Arches)),
						Subject:  rng,
					})
				}
				routes[arch] = b
				routeRange[arch] = *rng
				b.Arches = append(b.Arches, arch)
			}
		}
		blocks = append(blocks, b)
	}
	return blocks, routes, diags
}

// executorNames are the names a stage's executor meta-argument may take.
func executorNames(blocks []*ExecutorBlock) []string {
	names := slices.Clone(recipe.ReservedExecutors)
	for _, b := range blocks {
		names = append(names, b.Name)
	}
	return names
}
