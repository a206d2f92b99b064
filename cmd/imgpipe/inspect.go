package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages/flatten"
)

func cmdValidate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("validate", "RECIPE.hcl")
	var rf recipeFlags
	rf.register(fs)
	format := registerFormat(fs, "text", "json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path, err := oneRecipe("validate", pos)
	if err != nil {
		return err
	}
	if format.json() {
		return a.validateJSON(ctx, path, rf)
	}
	plan, _, err := a.prepare(ctx, path, rf, forCheck)
	if err != nil {
		return err
	}
	// Local kickstarts are linted as the flatten stage will lint them.
	lint, files := flatten.LintLocal(plan)
	for name, f := range files {
		a.files[name] = f
	}
	if lint.HasErrors() {
		return lint
	}
	a.printDiags(lint)
	fmt.Fprintf(a.stdout, "%s is valid: %d stages, %d instances for %s.\n",
		path, len(plan.Recipe.Stages), len(plan.Nodes), strings.Join(plan.Build.Arches, ", "))
	return nil
}

func cmdPlan(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("plan", "RECIPE.hcl")
	var rf recipeFlags
	rf.register(fs)
	format := registerFormat(fs, "text", "json")
	storeFlag := fs.String("store", "", "the store whose objects decide each stage's STATUS (default: .imgpipe beside the recipe, or $IMGPIPE_STORE)")
	var cf cacheFlags
	cf.registerFrom(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path, err := oneRecipe("plan", pos)
	if err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	plan, _, err := a.prepare(ctx, path, rf, forShow)
	if err != nil {
		return err
	}
	// The store as it is: plan never makes one.
	st, err := store.OpenExisting(storeDir(*storeFlag, plan.Recipe.Dir))
	if err != nil {
		st = nil // nothing built yet
	}
	// The team cache a run would pull from, asked read-only.
	cacheFrom, _, err := cf.open(plan.Recipe.Cache)
	if err != nil {
		return err
	}
	doc, cacheErr := plan.DocWithCache(ctx, st, cacheFrom)
	if cacheErr != nil {
		fmt.Fprintf(a.stderr, "warning: %v; the statuses are without it\n", cacheErr)
	}
	if format.json() {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	b := doc.Build
	fmt.Fprintf(a.stdout, "Build %s-%s", b.Name, b.Version)
	if b.Release != "" {
		fmt.Fprintf(a.stdout, "-%s", b.Release)
	}
	fmt.Fprintf(a.stdout, " for %s", strings.Join(b.Arches, ", "))
	if len(b.CanFail) > 0 {
		fmt.Fprintf(a.stdout, " (can fail: %s)", strings.Join(b.CanFail, ", "))
	}
	fmt.Fprintf(a.stdout, "\n\n")
	// The EXECUTOR column only when some stage runs elsewhere than on
	// the host: where each arch's stages run (routing) is part of the plan.
	elsewhere := slices.ContainsFunc(doc.Stages, func(s engine.StageDoc) bool { return s.ExecutorName != "" })
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if elsewhere {
		fmt.Fprintln(tw, "#\tSTAGE\tKIND\tARCH\tEXECUTOR\tSTATUS\tID\tNEEDS")
	} else {
		fmt.Fprintln(tw, "#\tSTAGE\tKIND\tARCH\tSTATUS\tID\tNEEDS")
	}
	// #N is the number run's progress gives the same instance.
	number := map[string]int{}
	provisional, pull := false, false
	for i, s := range doc.Stages {
		number[s.Key] = i + 1
		var needs []int
		for _, d := range s.Needs {
			needs = append(needs, number[d])
		}
		slices.Sort(needs)
		var words []string
		for _, n := range needs {
			words = append(words, fmt.Sprintf("#%d", n))
		}
		arch := s.Arch
		if elsewhere {
			arch += "\t" + cmp.Or(s.ExecutorName, "host")
		}
		id := s.ID[:12]
		if s.Provisional {
			id += "~"
			provisional = true
		}
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, s.Name, s.Kind, arch, s.Status, id, strings.Join(words, " "))
		pull = pull || s.Status == engine.StatusPull
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if pull {
		fmt.Fprintf(a.stdout, "\npull: the team cache %s has its object; a run pulls it, verified, instead of running it.\n", cacheFrom)
	}
	if provisional {
		fmt.Fprintln(a.stdout, "\n~ provisional: the run's release, a source not resolved or an executor not opened decides this ID.")
	}
	return nil
}

func cmdGraph(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("graph", "RECIPE.hcl")
	var rf recipeFlags
	rf.register(fs)
	format := registerFormat(fs, "dot", "mermaid", "json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path, err := oneRecipe("graph", pos)
	if err != nil {
		return err
	}
	plan, _, err := a.prepare(ctx, path, rf, forShow)
	if err != nil {
		return err
	}
	if format.json() {
		// The graph as data: the plan's document, whose stages carry
		// their keys and what each needs (schemas/plan.schema.json).
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(plan.Doc(nil))
	}
	out, err := renderGraph(plan, format.value)
	if err != nil {
		return usagef("%s", err)
	}
	fmt.Fprint(a.stdout, out)
	return nil
}

// renderGraph renders a plan's stage instances as Graphviz dot ("dot") or
// Mermaid ("mermaid"). Graph nodes are named by their place in the plan:
// one per instance, even when two share an ID.
func renderGraph(p *engine.Plan, format string) (string, error) {
	var b strings.Builder
	label := func(n *engine.Node) string { return fmt.Sprintf("%s [%s]\\n%s", n.Name, n.Arch, n.Kind.Name) }
	index := make(map[*engine.Node]int, len(p.Nodes))
	for i, n := range p.Nodes {
		index[n] = i + 1
	}
	key := func(n *engine.Node) string { return fmt.Sprintf("n%d", index[n]) }
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
