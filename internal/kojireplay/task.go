package kojireplay

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Caller makes one anonymous call to a Koji hub and returns its decoded
// result: nil, bool, int64, float64, string, []any or map[string]any.
// internal/kojihub's Client is one.
type Caller interface {
	Call(ctx context.Context, method string, args ...any) (any, error)
}

// Methods Koji gives the parent tasks replay reproduces, and their
// children's (kojid BuildBaseImageTask, BuildLiveMediaTask,
// BuildApplianceTask, BuildLiveCDTask).
var childMethod = map[string]string{
	"image":     "createImage",
	"livemedia": "createLiveMedia",
	"appliance": "createAppliance",
	"livecd":    "createLiveCD",
}

// NotFoundError is a task ID the hub does not know.
type NotFoundError struct{ ID int64 }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("task %d: no such task on the hub (getTaskInfo returned nothing); check the ID and the hub (--hub, --profile)", e.ID)
}

// MethodError is a task replay cannot reproduce: not an image, livemedia,
// appliance or livecd task, nor one of their children.
type MethodError struct {
	ID     int64
	Method string
}

func (e *MethodError) Error() string {
	what := ""
	switch e.Method {
	case "build", "buildArch", "buildSRPMFromSCM":
		what = " (an RPM build)"
	}
	return fmt.Sprintf("task %d is a %s task%s: replay reproduces the image, livemedia, appliance and livecd tasks of koji image-build, spin-livemedia, spin-appliance and spin-livecd, or their createImage, createLiveMedia, createAppliance and createLiveCD children",
		e.ID, e.Method, what)
}

// RequestError is a task whose request is not shaped as Koji makes it.
type RequestError struct {
	ID     int64
	Reason string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("task %d: its request is not a Koji image task's: %s", e.ID, e.Reason)
}

// taskInfo is what replay reads of getTaskInfo and getTaskChildren.
type taskInfo struct {
	id      int64
	method  string
	state   int64
	parent  int64 // 0: none
	arch    string
	request []any
}

// taskStates are Koji's TASK_STATES, by number.
var taskStates = []string{"free", "open", "closed", "canceled", "assigned", "failed"}

func stateName(s int64) string {
	if s >= 0 && int(s) < len(taskStates) {
		return taskStates[s]
	}
	return strconv.FormatInt(s, 10)
}

func getTask(ctx context.Context, hub Caller, id int64) (*taskInfo, error) {
	v, err := hub.Call(ctx, "getTaskInfo", id, true)
	if err != nil {
		return nil, fmt.Errorf("task %d: %w", id, err)
	}
	if v == nil {
		return nil, &NotFoundError{ID: id}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &RequestError{ID: id, Reason: fmt.Sprintf("getTaskInfo returned %s, not a task", typeName(v))}
	}
	return readTask(id, m)
}

func readTask(id int64, m map[string]any) (*taskInfo, error) {
	t := &taskInfo{}
	var ok bool
	if t.id, ok = toInt(m["id"]); !ok {
		return nil, &RequestError{ID: id, Reason: "the task has no id"}
	}
	if t.method, ok = m["method"].(string); !ok {
		return nil, &RequestError{ID: t.id, Reason: "the task has no method"}
	}
	t.state, _ = toInt(m["state"])
	t.parent, _ = toInt(m["parent"])
	t.arch, _ = m["arch"].(string)
	t.request, _ = m["request"].([]any)
	return t, nil
}

func getChildren(ctx context.Context, hub Caller, parent *taskInfo) ([]*taskInfo, error) {
	v, err := hub.Call(ctx, "getTaskChildren", parent.id, true)
	if err != nil {
		return nil, fmt.Errorf("task %d: %w", parent.id, err)
	}
	list, ok := v.([]any)
	if !ok && v != nil {
		return nil, &RequestError{ID: parent.id, Reason: fmt.Sprintf("getTaskChildren returned %s, not a list", typeName(v))}
	}
	var kids []*taskInfo
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &RequestError{ID: parent.id, Reason: "a child is not a task"}
		}
		k, err := readTask(parent.id, m)
		if err != nil {
			return nil, err
		}
		if k.method == childMethod[parent.method] {
			kids = append(kids, k)
		}
	}
	slices.SortFunc(kids, func(a, b *taskInfo) int { return cmp.Compare(a.id, b.id) })
	return kids, nil
}

// child is what a createImage, createLiveMedia or createAppliance request
// holds besides its parent's: [name, version, release, arch, target_info,
// build_tag, repo_info, inst_tree or ksfile, opts].
type child struct {
	task         *taskInfo
	release      string // "" : none (a scratch livemedia or appliance; livecd always has one)
	arch         string
	buildTagName string
	repoID       int64
}

func readChild(t *taskInfo) (*child, error) {
	r := t.request
	if len(r) < 9 {
		return nil, &RequestError{ID: t.id, Reason: fmt.Sprintf("%s has %d parameters, want 9", t.method, len(r))}
	}
	c := &child{task: t}
	c.release, _ = toString(r[2])
	c.arch, _ = r[3].(string)
	if ti, ok := r[4].(map[string]any); ok {
		c.buildTagName, _ = ti["build_tag_name"].(string)
	}
	if ri, ok := r[6].(map[string]any); ok {
		c.repoID, _ = toInt(ri["id"])
	}
	if c.arch == "" {
		c.arch = t.arch
	}
	return c, nil
}

// checkoutCommit is the commit git reported in a kojid checkout log: its
// `git reset --hard` prints "HEAD is now at <abbreviated commit> <subject>".
var checkoutCommit = regexp.MustCompile(`(?m)^HEAD is now at ([0-9a-f]{7,64}) `)

// checkoutLog reads the commit a child checked out the ksurl at, from its
// checkout log (checkout.log, or checkout-<arch>.log for createImage).
func checkoutLog(ctx context.Context, hub Caller, t *taskInfo) (commit, file string, err error) {
	v, err := hub.Call(ctx, "listTaskOutput", t.id)
	if err != nil {
		return "", "", fmt.Errorf("task %d: %w", t.id, err)
	}
	files, _ := v.([]any)
	for _, f := range files {
		name, _ := f.(string)
		if name != "checkout.log" && !(strings.HasPrefix(name, "checkout-") && strings.HasSuffix(name, ".log")) {
			continue
		}
		data, err := download(ctx, hub, t, name)
		if err != nil {
			return "", "", err
		}
		if m := checkoutCommit.FindAllSubmatch(data, -1); len(m) > 0 {
			return string(m[len(m)-1][1]), name, nil
		}
		return "", name, nil
	}
	return "", "", nil
}

// taskFile reads a file of a task's output, if it has one of that name.
func taskFile(ctx context.Context, hub Caller, t *taskInfo, name string) (data []byte, found bool, err error) {
	v, err := hub.Call(ctx, "listTaskOutput", t.id)
	if err != nil {
		return nil, false, fmt.Errorf("task %d: %w", t.id, err)
	}
	files, _ := v.([]any)
	if !slices.Contains(files, any(name)) {
		return nil, false, nil
	}
	data, err = download(ctx, hub, t, name)
	return data, err == nil, err
}

func download(ctx context.Context, hub Caller, t *taskInfo, name string) ([]byte, error) {
	v, err := hub.Call(ctx, "downloadTaskOutput", t.id, name)
	if err != nil {
		return nil, fmt.Errorf("task %d: %s: %w", t.id, name, err)
	}
	text, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("task %d: downloadTaskOutput %s returned %s, not a file's base64 text", t.id, name, typeName(v))
	}
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("task %d: %s is not base64, as downloadTaskOutput sends files: %w", t.id, name, err)
	}
	return data, nil
}

// Koji's REPO_STATES.
const (
	repoExpired = 2
	repoDeleted = 3
	repoProblem = 4
)

// repoState is the state of a repo now, and whether the hub knows it.
func repoState(ctx context.Context, hub Caller, id int64) (state int64, known bool, err error) {
	v, err := hub.Call(ctx, "repoInfo", id)
	if err != nil {
		return 0, false, fmt.Errorf("repo %d: %w", id, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return 0, false, nil
	}
	state, _ = toInt(m["state"])
	return state, true, nil
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// toString reads an option Koji may carry as a string or a number (the
// koji CLI's --disk-size default is the integer 10).
func toString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case int64, int, int32:
		n, _ := toInt(s)
		return strconv.FormatInt(n, 10), true
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64), true
	}
	return "", false
}

// toList reads a list option: a list of strings, or one comma-separated
// string (the koji CLI sends --can-fail so), empty items dropped.
func toList(v any) ([]string, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, s := range strings.Split(l, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		var out []string
		for _, e := range l {
			s, ok := toString(e)
			if !ok {
				return nil, fmt.Errorf("an item is %s, not a string", typeName(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("it is %s, not a list", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case map[string]any:
		return "a struct"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, int, int32, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// isNotFound reports whether err is a task the hub does not know.
func isNotFound(err error) bool {
	_, ok := errors.AsType[*NotFoundError](err)
	return ok
}
