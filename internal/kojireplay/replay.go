package kojireplay

import (
	"context"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Options are what a replay needs besides the task.
type Options struct {
	// Hub names the hub in the recipe's header comment.
	Hub string
	// TopURL is the hub's file tree (a koji profile's topurl), under which
	// the build tag's repositories are: needed only for a task that
	// installed from its build tag's repo.
	TopURL string
}

// Result is a replayed task.
type Result struct {
	// TaskID is the parent task replayed; Asked the ID given, a child's
	// when replay walked up.
	TaskID, Asked int64
	// Method is the parent's: image, livemedia or appliance.
	Method string
	// Name is the build's name, the preset block's label.
	Name string
	// HCL is the recipe, formatted.
	HCL []byte
	// Files are files the recipe reads, to be written beside it: the
	// kickstart a task without ksurl uploaded, by its base name.
	Files map[string][]byte
	// Warnings say what the recipe cannot reproduce, as its comments do.
	Warnings []string
}

// TopURLError is a task that installed from its build tag's repository,
// replayed without the topurl the repository's URL is under.
type TopURLError struct {
	ID     int64
	Tag    string
	RepoID int64
}

func (e *TopURLError) Error() string {
	return fmt.Sprintf("task %d installed from build tag %s's repository %d, which Koji serves under its topurl (<topurl>/repos/%s/%d/<arch>); give the hub's topurl with --topurl (or a koji profile with topurl)",
		e.ID, e.Tag, e.RepoID, e.Tag, e.RepoID)
}

// Replay reads task id from hub and writes the recipe that rebuilds it.
func Replay(ctx context.Context, hub Caller, id int64, opts Options) (*Result, error) {
	t, err := getTask(ctx, hub, id)
	if err != nil {
		return nil, err
	}
	asked := t
	if _, ok := childMethod[t.method]; !ok {
		if !slices.Contains(slices.Collect(maps.Values(childMethod)), t.method) {
			return nil, &MethodError{ID: t.id, Method: t.method}
		}
		if t.parent == 0 {
			return nil, &RequestError{ID: t.id, Reason: fmt.Sprintf("a %s task without a parent", t.method)}
		}
		if t, err = getTask(ctx, hub, t.parent); err != nil {
			if isNotFound(err) {
				return nil, fmt.Errorf("task %d is a %s task whose parent %d the hub does not know", asked.id, asked.method, asked.parent)
			}
			return nil, err
		}
		if childMethod[t.method] != asked.method {
			return nil, &RequestError{ID: asked.id, Reason: fmt.Sprintf("its parent %d is a %s task, not the parent of a %s", t.id, t.method, asked.method)}
		}
	}
	kids, err := getChildren(ctx, hub, t)
	if err != nil {
		return nil, err
	}
	r, err := readRequest(t)
	if err != nil {
		return nil, err
	}
	w := &writer{opts: opts, task: t, req: r, asked: asked.id}
	for _, k := range kids {
		c, err := readChild(k)
		if err != nil {
			return nil, err
		}
		w.kids = append(w.kids, c)
	}
	if err := w.resolve(ctx, hub); err != nil {
		return nil, err
	}
	src := w.write()
	return &Result{TaskID: t.id, Asked: asked.id, Method: t.method, Name: r.name, HCL: src, Files: w.files, Warnings: w.warnings}, nil
}

// request is a parent's request: [name, version, arches (image, livemedia)
// or arch (appliance, livecd), target, inst_tree (image) or ksfile, opts].
type request struct {
	name, version, target string
	arches                []string
	treeOrKS              string
	opts                  map[string]any
}

func readRequest(t *taskInfo) (*request, error) {
	p := t.request
	if len(p) < 5 {
		return nil, &RequestError{ID: t.id, Reason: fmt.Sprintf("%s has %d parameters, want 6", t.method, len(p))}
	}
	r := &request{}
	fields := []struct {
		name string
		to   *string
	}{{"name", &r.name}, {"version", &r.version}, {"target", &r.target}, {"install tree or kickstart", &r.treeOrKS}}
	for i, at := range []int{0, 1, 3, 4} {
		s, ok := toString(p[at])
		if !ok {
			return nil, &RequestError{ID: t.id, Reason: fmt.Sprintf("its %s is %s, not a string", fields[i].name, typeName(p[at]))}
		}
		*fields[i].to = s
	}
	arches, err := toList(p[2])
	if err != nil || len(arches) == 0 {
		return nil, &RequestError{ID: t.id, Reason: "it names no architecture"}
	}
	r.arches = arches
	if len(p) > 5 && p[5] != nil {
		m, ok := p[5].(map[string]any)
		if !ok {
			return nil, &RequestError{ID: t.id, Reason: fmt.Sprintf("its options are %s, not a struct", typeName(p[5]))}
		}
		r.opts = m
	}
	if r.opts == nil {
		r.opts = map[string]any{}
	}
	return r, nil
}

// writer holds what the recipe is written from.
type writer struct {
	opts  Options
	task  *taskInfo
	req   *request
	kids  []*child
	asked int64

	release, releaseNote string
	ksurl, ksurlNote     string
	// kickstart replaces the request's kickstart path: the base name of
	// the one the task uploaded, in files.
	kickstart, kickstartNote string
	files                    map[string][]byte
	tagRepo                  []string // the build tag's repo URLs (one, with an arch placeholder)
	tagRepoNotes             []string
	warnings                 []string
	notes                    []string // comments at the top: what Koji did that this recipe cannot
}

func (w *writer) warn(format string, args ...any) {
	w.warnings = append(w.warnings, fmt.Sprintf(format, args...))
}

var fullCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)

// resolve finds what the request alone does not say: the release, the
// ksurl's commit, the build tag's repository.
func (w *writer) resolve(ctx context.Context, hub Caller) error {
	o := w.req.opts
	// The release: the task's, or the one the hub gave the children.
	if s, ok := toString(o["release"]); ok && o["release"] != nil {
		w.release = s
	} else {
		for _, c := range w.kids {
			if c.release != "" {
				w.release = c.release
				w.releaseNote = fmt.Sprintf("release %s was picked by the hub for task %d (the task set none).", c.release, w.task.id)
				break
			}
		}
		if w.release == "" {
			w.releaseNote = "No release: the task set none and Koji gave its children none (a scratch build), so imgpipe picks the next release in the store."
		}
	}

	// The ksurl's commit.
	if u, ok := o["ksurl"].(string); ok && u != "" {
		w.ksurl = u
		base, ref, hasRef := u, "", false
		if i := strings.LastIndex(u, "#"); i >= 0 {
			base, ref, hasRef = u[:i], u[i+1:], true
		}
		if !hasRef || !fullCommit.MatchString(ref) {
			commits := map[string][]string{}
			var first string
			for _, c := range w.kids {
				commit, file, err := checkoutLog(ctx, hub, c.task)
				if err != nil {
					return err
				}
				if commit == "" {
					continue
				}
				if first == "" {
					first = commit
				}
				commits[commit] = append(commits[commit], fmt.Sprintf("%s of task %d (%s)", file, c.task.id, c.arch))
			}
			switch {
			case first == "":
				w.ksurlNote = fmt.Sprintf("NOT PINNED: no checkout log of the task's children says which commit %q was; this is the ksurl as the task gave it.", ref)
				w.warn("ksurl %s is not pinned to a commit, and no checkout log of task %d's children says which commit the builders used: the recipe fetches what it names today", u, w.task.id)
			default:
				w.ksurl = base + "#" + first
				w.ksurlNote = fmt.Sprintf("The task gave ksurl %s; the builders checked out %s (%s).", u, first, strings.Join(commits[first], ", "))
				if len(commits) > 1 {
					var others []string
					for c, where := range commits {
						if c != first {
							others = append(others, c+" in "+strings.Join(where, ", "))
						}
					}
					slices.Sort(others)
					w.ksurlNote += " Other builders checked out " + strings.Join(others, "; ") + ": their arches were built from another commit."
					w.warn("task %d's builders checked out different commits of %s (%s and %s): the recipe pins %s for every arch", w.task.id, u, first, strings.Join(others, ", "), first)
				}
			}
		}
	}

	if w.ksurl == "" {
		if err := w.uploadedKickstart(ctx, hub); err != nil {
			return err
		}
	}

	// The build tag's repository, when the task used it.
	repos, _ := toList(o["repo"])
	if len(repos) > 0 || truthy(o["ksrepo"]) {
		return nil
	}
	var c *child
	for _, k := range w.kids {
		if k.repoID != 0 && k.buildTagName != "" {
			c = k
			break
		}
	}
	if c == nil {
		w.notes = append(w.notes, "The task installed from its build tag's repository, which none of its children names: set repo.")
		w.warn("task %d installed from its build tag's repository, but no child task names it: the recipe has no repo; set one", w.task.id)
		return nil
	}
	if w.opts.TopURL == "" {
		return &TopURLError{ID: w.task.id, Tag: c.buildTagName, RepoID: c.repoID}
	}
	arch := "$arch" // image_build substitutes Koji's $arch
	switch w.task.method {
	case "livemedia":
		// Koji's livemedia substitutes nothing in repo (a value per arch
		// would not export); dnf's $basearch is the arch's repo directory.
		arch = "$basearch"
	case "appliance", "livecd":
		arch = c.arch // one arch: kojid writes <repo>/<arch>
	}
	url := fmt.Sprintf("%s/repos/%s/%d/%s", strings.TrimRight(w.opts.TopURL, "/"), c.buildTagName, c.repoID, arch)
	w.tagRepo = []string{url}
	w.tagRepoNotes = append(w.tagRepoNotes, fmt.Sprintf("The build tag %s's repository %d, which the task installed from (it gave no repo).", c.buildTagName, c.repoID))
	state, known, err := repoState(ctx, hub, c.repoID)
	if err != nil {
		return err
	}
	switch {
	case !known || state == repoDeleted:
		why := "has since been deleted"
		if !known {
			why = "is no longer known to the hub"
		}
		w.tagRepoNotes = append(w.tagRepoNotes, fmt.Sprintf("CANNOT BE REPRODUCED as is: this repository %s, so its URL serves nothing; point repo at a repository with the same packages.", why))
		w.warn("build tag %s's repository %d, which task %d installed from, %s: the recipe keeps its URL, which serves nothing now; set repo to a repository with the same packages", c.buildTagName, c.repoID, w.task.id, why)
	case state == repoExpired:
		w.tagRepoNotes = append(w.tagRepoNotes, "It has expired since: Koji keeps it until its repository cleanup deletes it.")
	case state == repoProblem:
		w.tagRepoNotes = append(w.tagRepoNotes, "Koji marks it as a problem repository now.")
		w.warn("build tag %s's repository %d is marked as a problem on the hub", c.buildTagName, c.repoID)
	}
	return nil
}

func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b != "" // Koji tests options for truth
	case int64:
		return b != 0
	}
	return false
}

// fedoraTag is a Fedora build tag's release: f41-build is Fedora 41.
var fedoraTag = regexp.MustCompile(`^f([0-9]+)(-|$)`)

// buildroot is the container image closest to a build tag's build root,
// and why.
func buildroot(tag string) (image string, ok bool) {
	if m := fedoraTag.FindStringSubmatch(tag); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return fmt.Sprintf("registry.fedoraproject.org/fedora:%d", n), true
		}
	}
	return "", false
}

// uploadedKickstart fetches the kickstart a task without ksurl ran from:
// the koji CLI uploaded it into the hub's work directory (the request
// names it there), and each child put the original into its output under
// its base name (kojid fetchKickstart's uploadFile).
func (w *writer) uploadedKickstart(ctx context.Context, hub Caller) error {
	given := w.req.treeOrKS
	if w.task.method == "image" {
		given, _ = toString(w.req.opts["kickstart"])
	}
	name := path.Base(given)
	if given == "" || name == "." || name == "/" {
		return nil
	}
	for _, c := range w.kids {
		data, found, err := taskFile(ctx, hub, c.task, name)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		w.kickstart = name
		w.files = map[string][]byte{name: data}
		w.kickstartNote = fmt.Sprintf("The task's kickstart was uploaded by the koji CLI (%s); this is the copy task %d kept in its output, written beside this recipe.", given, c.task.id)
		return nil
	}
	w.kickstartNote = fmt.Sprintf("CANNOT BE REPRODUCED as is: the kickstart was uploaded by the koji CLI (%s), and no child task kept a copy in its output; put it beside this recipe.", given)
	w.warn("task %d's kickstart %s was uploaded by the koji CLI and no child task kept a copy: the recipe names it, but you have to provide it", w.task.id, given)
	return nil
}
