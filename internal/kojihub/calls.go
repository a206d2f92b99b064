package kojihub

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotFound is wrapped by the typed helpers' error when the hub has no
// such task or build (Koji answers None to a non-strict lookup).
var ErrNotFound = errors.New("not found")

// Koji's task states (koji.TASK_STATES).
var TaskStates = []string{"FREE", "OPEN", "CLOSED", "CANCELED", "ASSIGNED", "FAILED"}

// Task is one task of getTaskInfo or getTaskChildren.
type Task struct {
	ID     int64
	Method string
	// State indexes TaskStates.
	State int64
	// Parent is the parent task's ID, 0 for a top-level task.
	Parent int64
	Arch   string
	Label  string
	// Request is the task's arguments, as the hub decodes them; nil unless
	// asked for.
	Request []any
	// Info is the whole map the hub answered.
	Info map[string]any
}

// StateName returns the task's state as Koji names it.
func (t *Task) StateName() string {
	if t.State >= 0 && int(t.State) < len(TaskStates) {
		return TaskStates[t.State]
	}
	return fmt.Sprint(t.State)
}

// Build is getBuild's answer.
type Build struct {
	ID                     int64
	Name, Version, Release string
	NVR                    string
	// TaskID is the task that made the build, 0 when unknown.
	TaskID int64
	Info   map[string]any
}

// Archive is one of listArchives's answers (of type image: Arch is set).
type Archive struct {
	ID       int64
	Filename string
	Size     int64
	// TypeName is the archive type (qcow2, raw-xz, ova, ...).
	TypeName string
	Arch     string
	Info     map[string]any
}

// RPM is one of listRPMs's answers: a package of an image's list.
type RPM struct {
	Name, Version, Release, Arch string
	// Epoch is nil for none.
	Epoch *int64
	// Payloadhash is the package's sigmd5, in hex.
	Payloadhash string
	Size        int64
	Buildtime   int64
}

// GetTaskInfo calls getTaskInfo(id, request=request). An unknown task is
// an error wrapping ErrNotFound.
func (c *Client) GetTaskInfo(ctx context.Context, id int64, request bool) (*Task, error) {
	const method = "getTaskInfo"
	args := []any{id}
	if request {
		args = append(args, Kwargs{"request": true})
	}
	v, err := c.Call(ctx, method, args...)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, &Error{Hub: c.hub, Method: method, Err: fmt.Errorf("task %d: %w", id, ErrNotFound)}
	}
	t, err := decodeTask(v)
	if err != nil {
		return nil, &Error{Hub: c.hub, Method: method, Err: err}
	}
	return t, nil
}

// GetTaskChildren calls getTaskChildren(id, request=request).
func (c *Client) GetTaskChildren(ctx context.Context, id int64, request bool) ([]*Task, error) {
	const method = "getTaskChildren"
	args := []any{id}
	if request {
		args = append(args, Kwargs{"request": true})
	}
	v, err := c.Call(ctx, method, args...)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, &Error{Hub: c.hub, Method: method, Err: fmt.Errorf("%w: a %s, not a list", ErrMalformed, typeName(v))}
	}
	var out []*Task
	for _, e := range list {
		t, err := decodeTask(e)
		if err != nil {
			return nil, &Error{Hub: c.hub, Method: method, Err: err}
		}
		out = append(out, t)
	}
	return out, nil
}

// GetTaskResult calls getTaskResult(id): what the task returned (a
// createImage task's image data: arch, files, rpmlist, ...).
func (c *Client) GetTaskResult(ctx context.Context, id int64) (any, error) {
	return c.Call(ctx, "getTaskResult", id)
}

// GetBuild calls getBuild(build), build an N-V-R or an ID. An unknown
// build is an error wrapping ErrNotFound.
func (c *Client) GetBuild(ctx context.Context, build any) (*Build, error) {
	const method = "getBuild"
	v, err := c.Call(ctx, method, build)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, &Error{Hub: c.hub, Method: method, Err: fmt.Errorf("build %v: %w", build, ErrNotFound)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Hub: c.hub, Method: method, Err: fmt.Errorf("%w: a %s, not a struct", ErrMalformed, typeName(v))}
	}
	f := fields{m: m}
	b := &Build{
		ID: f.int("id"), Name: f.str("name"), Version: f.str("version"), Release: f.str("release"),
		NVR: f.str("nvr"), TaskID: f.optInt("task_id"), Info: m,
	}
	if f.err != nil {
		return nil, &Error{Hub: c.hub, Method: method, Err: f.err}
	}
	return b, nil
}

// ListArchives calls listArchives(buildID=buildID, type=archiveType), all
// types when archiveType is "".
func (c *Client) ListArchives(ctx context.Context, buildID int64, archiveType string) ([]Archive, error) {
	const method = "listArchives"
	kw := Kwargs{"buildID": buildID}
	if archiveType != "" {
		kw["type"] = archiveType
	}
	list, err := c.callList(ctx, method, kw)
	if err != nil {
		return nil, err
	}
	var out []Archive
	for _, m := range list {
		f := fields{m: m}
		a := Archive{ID: f.int("id"), Filename: f.str("filename"), Size: f.int("size"), TypeName: f.str("type_name"), Arch: f.optStr("arch"), Info: m}
		if f.err != nil {
			return nil, &Error{Hub: c.hub, Method: method, Err: f.err}
		}
		out = append(out, a)
	}
	return out, nil
}

// ListRPMs calls listRPMs(imageID=imageID): the packages of an image
// archive.
func (c *Client) ListRPMs(ctx context.Context, imageID int64) ([]RPM, error) {
	const method = "listRPMs"
	list, err := c.callList(ctx, method, Kwargs{"imageID": imageID})
	if err != nil {
		return nil, err
	}
	var out []RPM
	for _, m := range list {
		r, err := DecodeRPM(m)
		if err != nil {
			return nil, &Error{Hub: c.hub, Method: method, Err: err}
		}
		out = append(out, r)
	}
	return out, nil
}

// DecodeRPM reads a package of listRPMs or of an image task's rpmlist.
func DecodeRPM(m map[string]any) (RPM, error) {
	f := fields{m: m}
	r := RPM{
		Name: f.str("name"), Version: f.str("version"), Release: f.str("release"), Arch: f.str("arch"),
		Payloadhash: f.optStr("payloadhash"), Size: f.optInt("size"), Buildtime: f.optInt("buildtime"),
	}
	if e, ok := m["epoch"]; ok && e != nil {
		n, ok := e.(int64)
		if !ok {
			return r, fmt.Errorf("%w: package %s: epoch is a %s", ErrMalformed, r.Name, typeName(e))
		}
		r.Epoch = &n
	}
	return r, f.err
}

// callList calls a method whose answer is a list of structs.
func (c *Client) callList(ctx context.Context, method string, args ...any) ([]map[string]any, error) {
	v, err := c.Call(ctx, method, args...)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, &Error{Hub: c.hub, Method: method, Err: fmt.Errorf("%w: a %s, not a list", ErrMalformed, typeName(v))}
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &Error{Hub: c.hub, Method: method, Err: fmt.Errorf("%w: a list of %s, not of structs", ErrMalformed, typeName(e))}
		}
		out = append(out, m)
	}
	return out, nil
}

func decodeTask(v any) (*Task, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a task is a %s, not a struct", ErrMalformed, typeName(v))
	}
	f := fields{m: m}
	t := &Task{
		ID: f.int("id"), Method: f.str("method"), State: f.int("state"), Parent: f.optInt("parent"),
		Arch: f.optStr("arch"), Label: f.optStr("label"), Info: m,
	}
	if r, ok := m["request"]; ok {
		req, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: task %d's request is a %s, not a list", ErrMalformed, t.ID, typeName(r))
		}
		t.Request = req
	}
	return t, f.err
}

// fields reads a struct's members, keeping the first error.
type fields struct {
	m   map[string]any
	err error
}

func (f *fields) get(key string, required bool) (any, bool) {
	v, ok := f.m[key]
	if (!ok || v == nil) && required && f.err == nil {
		f.err = fmt.Errorf("%w: no %q in the answer", ErrMalformed, key)
	}
	return v, ok && v != nil
}

func (f *fields) str(key string) string { return f.s(key, true) }

func (f *fields) optStr(key string) string { return f.s(key, false) }

func (f *fields) s(key string, required bool) string {
	v, ok := f.get(key, required)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok && f.err == nil {
		f.err = fmt.Errorf("%w: %q is a %s, not a string", ErrMalformed, key, typeName(v))
	}
	return s
}

func (f *fields) int(key string) int64 { return f.i(key, true) }

func (f *fields) optInt(key string) int64 { return f.i(key, false) }

func (f *fields) i(key string, required bool) int64 {
	v, ok := f.get(key, required)
	if !ok {
		return 0
	}
	n, ok := v.(int64)
	if !ok && f.err == nil {
		f.err = fmt.Errorf("%w: %q is a %s, not an integer", ErrMalformed, key, typeName(v))
	}
	return n
}

// typeName names a decoded value's XML-RPC type, for errors.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case map[string]any:
		return "struct"
	case []any:
		return "list"
	case string:
		return "string"
	case int64:
		return "integer"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}
