package eval

import (
	"fmt"
	"math/big"
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
	// Jobs is how many stages may run here at once, 1 or more.
	Jobs  int
	Block *recipe.Executor
}

// ExecutorBlocks evaluates the executor blocks once for all arches and maps
// each routed arch to its pool: the blocks that list it, in declaration
// order (docs/remote-builders.md#builder-pools).
func ExecutorBlocks(r *recipe.Recipe, sc *Scope, build kind.Build) ([]*ExecutorBlock, map[string][]*ExecutorBlock, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var blocks []*ExecutorBlock
	routes := map[string][]*ExecutorBlock{}
	var routeOrder []string // arches in the order they are first routed
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
		b.Jobs = 1
		if e.Jobs != nil {
			v, ok := eval(e.Jobs, "jobs", cty.Number)
			if ok && !v.IsNull() {
				n, acc := v.AsBigFloat().Int64()
				if acc != big.Exact || n < 1 || n > maxJobs {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid jobs",
						Detail:   fmt.Sprintf("jobs is how many stages run on this builder at once: a whole number from 1 to %d, not %s.", maxJobs, v.AsBigFloat().Text('g', -1)),
						Subject:  e.Jobs.Range().Ptr(),
					})
				} else {
					b.Jobs = int(n)
				}
			}
		}
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
				if slices.Contains(b.Arches, arch) {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Architecture listed twice",
						Detail:   fmt.Sprintf("%q is listed by this block already: remove one. (To run more of its stages here at once, raise jobs.)", arch),
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
				if _, ok := routes[arch]; !ok {
					routeOrder = append(routeOrder, arch)
				}
				routes[arch] = append(routes[arch], b)
				b.Arches = append(b.Arches, arch)
			}
		}
		blocks = append(blocks, b)
	}
	reported := map[string]bool{} // a pair of blocks that share several arches is reported once
	for _, arch := range routeOrder {
		diags = append(diags, checkPool(arch, routes[arch], reported)...)
	}
	return blocks, routes, diags
}

// maxJobs bounds an executor block's jobs: a typo such as 1000 would
// otherwise open that many containers on one builder.
const maxJobs = 256

// checkPool checks the builders that serve one arch: they run its stages
// in the same image (the stage ID names the image, not the builder, so any
// of them must make the same stage), and each is a service of its own.
func checkPool(arch string, pool []*ExecutorBlock, reported map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	first := pool[0]
	once := func(what string, a, b *ExecutorBlock) bool {
		key := what + "\x00" + a.Name + "\x00" + b.Name
		if reported[key] {
			return false
		}
		reported[key] = true
		return true
	}
	for i, b := range pool[1:] {
		if b.Image != first.Image && once("image", first, b) {
			subject := b.Block.DeclRange
			if b.Block.Image != nil {
				subject = b.Block.Image.Range()
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Pool images differ",
				Detail: fmt.Sprintf("Executors %q and %q both serve %s, so they form its pool, but their images differ (%q, %q). Any builder of a pool may run a stage, so they run the same image: set the same image in both.",
					first.Name, b.Name, arch, first.Image, b.Image),
				Subject: subject.Ptr(),
			})
		}
		for _, prev := range pool[:i+1] {
			if prev.Connection == b.Connection && once("connection", prev, b) {
				subject := b.Block.DeclRange
				if b.Block.Connection != nil {
					subject = b.Block.Connection.Range()
				}
				where := b.Connection
				if where == "" {
					where = "$CONTAINER_HOST or the default socket"
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Builder listed twice",
					Detail: fmt.Sprintf("Executors %q and %q both serve %s through %s: one builder, counted twice. Remove one and set jobs on the other to run more stages there at once.",
						prev.Name, b.Name, arch, where),
					Subject: subject.Ptr(),
				})
				break
			}
		}
	}
	return diags
}

// PoolName names the executor of the stages routed to pool: its one
// block's name, or its blocks' names joined with "+" (no block name has a
// "+", so it never names one block).
func PoolName(pool []*ExecutorBlock) string {
	names := make([]string, len(pool))
	for i, b := range pool {
		names[i] = b.Name
	}
	return strings.Join(names, "+")
}

// ExecutorNames are the names a stage's executor meta-argument may take.
func ExecutorNames(blocks []*ExecutorBlock) []string {
	names := slices.Clone(recipe.ReservedExecutors)
	for _, b := range blocks {
		names = append(names, b.Name)
	}
	return names
}
