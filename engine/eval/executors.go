package eval

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// ExecutorBlock is an evaluated `executor "<type>" "<name>" { ... }` block
// (docs/architecture.md#executors): a container service stages run on, by name or by routing.
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

// ExecutorBlocks evaluates the executor blocks once for all arches and maps
// each routed arch to its block.
func ExecutorBlocks(r *recipe.Recipe, sc *Scope, build kind.Build) ([]*ExecutorBlock, map[string]*ExecutorBlock, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var blocks []*ExecutorBlock
	routes := map[string]*ExecutorBlock{}
	routeRange := map[string]hcl.Range{}
	ctx := sc.Context(cty.EmptyObjectVal)
	for _, e := range r.Executors {
		eval := func(expr hcl.Expression, name string, ty cty.Type) (cty.Value, bool) {
			v, ok, d := planTimeValue(expr, ctx, sc.names, ty, planTimeWords{
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
				rng := ItemRange(e.Arches, i)
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

// ExecutorNames are the names a stage's executor meta-argument may take.
func ExecutorNames(blocks []*ExecutorBlock) []string {
	names := slices.Clone(recipe.ReservedExecutors)
	for _, b := range blocks {
		names = append(names, b.Name)
	}
	return names
}
