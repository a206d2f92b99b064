package kojihub_test

import (
	"context"
	"errors"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/kojihub/kojihubtest"
)

func newHub(t *testing.T, scenarios ...string) (*kojihubtest.Hub, *kojihub.Client) {
	t.Helper()
	var dirs []string
	for _, s := range scenarios {
		dirs = append(dirs, kojihubtest.Scenario(s))
	}
	hub := kojihubtest.New(t, dirs...)
	c, err := kojihub.New(hub.URL, kojihub.Options{ServerCA: hub.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	return hub, c
}

// Every type Koji's hub marshals decodes to its Go value: the bytes are
// those koji.xmlrpcplus.dumps wrote (kojihubtest/testdata/wiretypes.py).
func TestDecodeKojiTypes(t *testing.T) {
	_, c := newHub(t, "wiretypes")
	got, err := c.Call(context.Background(), "echo", "types")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"nil":      nil,
		"true":     true,
		"false":    false,
		"int":      int64(42),
		"negative": int64(math.MinInt32),
		"i8":       int64(1 << 40),
		"i8max":    int64(math.MaxInt64),
		"i8min":    int64(math.MinInt64),
		"double":   2.5,
		"string":   "x < y & \"z\" é中",
		"empty":    "",
		"binary":   []byte("\x00\x01binary\xff"),
		"date":     time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		"datetime": "2024-05-01 10:00:00",
		"list":     []any{int64(1), "two", []any{nil, map[string]any{"three": int64(3)}}},
		"struct":   map[string]any{"__starstar": true, "nested": map[string]any{"deep": []any{}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
	}
}

// Arguments are encoded as Koji's encode_args does: the fake hub finds
// the call recorded with Python's arguments, kwargs and all.
func TestEncodeArgs(t *testing.T) {
	_, c := newHub(t, "wiretypes")
	got, err := c.Call(context.Background(), "echo", "kwargs", int64(1<<40), nil, kojihub.Kwargs{"request": true, "strict": false})
	if err != nil {
		t.Fatal(err)
	}
	if got != "ok" {
		t.Errorf("got %#v", got)
	}
	body, err := kojihub.EncodeCall("m", []any{1 << 40, 7, big.NewInt(-1 << 40), nil, []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<i8>1099511627776</i8>", "<int>7</int>", "<i8>-1099511627776</i8>", "<nil/>"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("request lacks %s:\n%s", want, body)
		}
	}
	if _, err := kojihub.EncodeCall("m", []any{new(big.Int).Lsh(big.NewInt(1), 64)}); err == nil {
		t.Error("an integer beyond 64 bits was encoded; Koji's marshaller refuses it")
	}
	if _, err := kojihub.EncodeCall("m", []any{kojihub.Kwargs{}, 1}); err == nil {
		t.Error("kwargs before an argument were encoded")
	}
}

// The typed helpers read Koji's answers; an unknown task or build wraps
// ErrNotFound, a recorded fault is a *Fault, every error names the hub and
// the method.
func TestHelpers(t *testing.T) {
	hub, c := newHub(t, "quickstart")
	ctx := context.Background()
	task, err := c.GetTaskInfo(ctx, 1002, false)
	if err != nil {
		t.Fatal(err)
	}
	if task.ID != 1002 || task.Method != "createImage" || task.Parent != 1001 || task.Arch != "x86_64" || task.StateName() != "CLOSED" {
		t.Errorf("task %+v", task)
	}
	task, err = c.GetTaskInfo(ctx, 1001, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(task.Request) != 6 || task.Request[0] != "quickstart" || task.Request[5].(map[string]any)["release"] != nil ||
		task.Request[5].(map[string]any)["kickstart"] != "quickstart.ks" {
		t.Errorf("request %#v", task.Request)
	}
	children, err := c.GetTaskChildren(ctx, 1003, false)
	if err != nil || len(children) != 2 || children[1].Label != "aarch64" {
		t.Errorf("children %+v, %v", children, err)
	}
	b, err := c.GetBuild(ctx, "quickstart-1-1")
	if err != nil || b.ID != 501 || b.TaskID != 1001 || b.NVR != "quickstart-1-1" {
		t.Errorf("build %+v, %v", b, err)
	}
	archives, err := c.ListArchives(ctx, 501, "image")
	if err != nil || len(archives) != 3 || archives[1].Filename != "quickstart-1-1.x86_64.vsphere.ova" || archives[1].TypeName != "ova" || archives[1].Arch != "x86_64" {
		t.Errorf("archives %+v, %v", archives, err)
	}
	rpms, err := c.ListRPMs(ctx, 9001)
	if err != nil || len(rpms) != 7 {
		t.Fatalf("rpms %+v, %v", rpms, err)
	}
	if r := rpms[0]; r.Name != "busybox" || r.Epoch == nil || *r.Epoch != 1 || r.Payloadhash != "206e152c93fabd93bc094195b4721d8b" {
		t.Errorf("rpm %+v", r)
	}
	if r := rpms[1]; r.Name != "filesystem" || r.Epoch != nil {
		t.Errorf("rpm %+v", r)
	}

	_, err = c.GetTaskInfo(ctx, 999999, false)
	var e *kojihub.Error
	if !errors.As(err, &e) || !errors.Is(err, kojihub.ErrNotFound) || e.Hub != hub.URL || e.Method != "getTaskInfo" {
		t.Errorf("unknown task: %v", err)
	}
	if _, err := c.GetBuild(ctx, "quickstart-1-9"); !errors.Is(err, kojihub.ErrNotFound) {
		t.Errorf("unknown build: %v", err)
	}
	_, err = c.GetTaskResult(ctx, 1011)
	var f *kojihub.Fault
	if !errors.As(err, &f) || f.Code != 1000 || f.String != "Task 1011 is canceled" {
		t.Errorf("fault: %v", err)
	}
	if want := "koji hub " + hub.URL + ": getTaskResult: fault 1000: Task 1011 is canceled"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// A hub that misbehaves gives a typed error, in bounded time and memory.
func TestMisbehavingHub(t *testing.T) {
	hub, _ := newHub(t, "quickstart")
	ctx := context.Background()
	for _, c := range []struct {
		mode string
		opts kojihub.Options
		is   error
		as   any
	}{
		{"hang", kojihub.Options{Timeout: 300 * time.Millisecond}, kojihub.ErrTimeout, nil},
		{"garbage", kojihub.Options{}, kojihub.ErrMalformed, nil},
		{"huge", kojihub.Options{MaxResponseBytes: 1 << 20}, kojihub.ErrTooLarge, nil},
		{"offline", kojihub.Options{}, nil, new(*kojihub.Fault)},
		{"broken", kojihub.Options{}, nil, new(*kojihub.HTTPError)},
	} {
		t.Run(c.mode, func(t *testing.T) {
			c.opts.ServerCA = hub.CAFile
			client, err := kojihub.New(hub.At(c.mode), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = client.GetTaskInfo(ctx, 1001, false)
			if _, ok := errors.AsType[*kojihub.Error](err); !ok {
				t.Fatalf("error %v (%T) is no *kojihub.Error", err, err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if c.as != nil && !errors.As(err, c.as) {
				t.Errorf("error %v is no %T", err, c.as)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// Malformed documents are errors wrapping ErrMalformed, never panics.
func TestDecodeMalformed(t *testing.T) {
	deep := strings.Repeat("<value><array><data>", 300)
	for _, doc := range []string{
		"",
		"not xml",
		"<methodResponse>",
		"<methodResponse><params><param><value><int>1</int></value></param></params>",
		"<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
		"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
		"<methodResponse><params><param><value><blob>1</blob></value></param></params></methodResponse>",
		"<methodResponse><params><param><value><struct><member><value>1</value></member></struct></value></param></params></methodResponse>",
		"<methodResponse><fault><value><string>x</string></value></fault></methodResponse>",
		"<methodResponse><params><param><value>1</value></param></params></methodResponse><x/>",
		"<methodResponse><params><param>" + deep + "</param></params></methodResponse>",
	} {
		if v, err := kojihub.DecodeResponse([]byte(doc)); !errors.Is(err, kojihub.ErrMalformed) {
			t.Errorf("%.60q: %v, %v; want ErrMalformed", doc, v, err)
		}
	}
	// Python reads integers of any size; so does the client.
	v, err := kojihub.DecodeResponse([]byte("<methodResponse><params><param><value><int>123456789012345678901234567890</int></value></param></params></methodResponse>"))
	if n, ok := v.(*big.Int); err != nil || !ok || n.String() != "123456789012345678901234567890" {
		t.Errorf("a big integer: %v, %v", v, err)
	}
}

// TLS is verified: a hub whose certificate no CA vouches for is refused.
func TestTLSVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c, err := kojihub.New(srv.URL+"/kojihub", kojihub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(context.Background(), "hello")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown certificate: %v", err)
	}
}

// Profiles are read as koji's read_config does: later files override
// earlier ones, directories' *.conf in name order, ~ expanded in
// serverca, ~/.koji/serverca.crt by default.
func TestReadProfile(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("etc/koji.conf.d/10-fedora.conf", "[fedora]\nserver = https://a/kojihub\ntimeout = 5\n")
	write("etc/koji.conf.d/20-fedora.conf", "[fedora]\nServer : https://b/kojihub\n")
	write("etc/koji.conf.d/readme.txt", "[fedora]\nserver = https://ignored/kojihub\n")
	write("etc/koji.conf", "[koji]\nserver = https://koji/kojihub\n")
	write("home/.koji/config", "[fedora]\nserverca = ~/ca.pem\n")
	paths := []string{filepath.Join(dir, "etc/koji.conf.d"), filepath.Join(dir, "etc/koji.conf"), filepath.Join(home, ".koji/config.d"), filepath.Join(home, ".koji/config")}

	p, err := kojihub.ReadProfile("fedora", paths, home)
	if err != nil {
		t.Fatal(err)
	}
	if p.Server != "https://b/kojihub" || p.ServerCA != filepath.Join(home, "ca.pem") || p.Timeout != 5*time.Second || len(p.Files) != 4 {
		t.Errorf("profile %+v", p)
	}
	write("home/.koji/serverca.crt", "")
	p, err = kojihub.ReadProfile("koji", paths, home)
	if err != nil || p.Server != "https://koji/kojihub" || p.ServerCA != filepath.Join(home, ".koji/serverca.crt") {
		t.Errorf("profile %+v, %v", p, err)
	}
	_, err = kojihub.ReadProfile("stg", paths, home)
	if err == nil || !strings.Contains(err.Error(), `no koji profile "stg"`) || !strings.Contains(err.Error(), "(profiles: fedora, koji)") {
		t.Errorf("unknown profile: %v", err)
	}
	write("home/.koji/config.d/bad.conf", "[fedora]\ntimeout = soon\n")
	if _, err := kojihub.ReadProfile("fedora", paths, home); err == nil || !strings.Contains(err.Error(), "not a number of seconds") {
		t.Errorf("bad timeout: %v", err)
	}
	if _, err := kojihub.ReadProfile("koji", []string{filepath.Join(dir, "none")}, home); err == nil || !strings.Contains(err.Error(), "no koji configuration") {
		t.Errorf("no configuration: %v", err)
	}

	// One ConfigParser reads all the files (koji/__init__.py
	// read_config_files): [DEFAULT] in one file serves a profile of
	// another, and %(name)s interpolates from the profile or [DEFAULT].
	other := t.TempDir()
	conf := filepath.Join(other, "koji.conf.d")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(conf, "00-defaults.conf"), []byte("[DEFAULT]\ntimeout = 7\ntop = https://pkgs.example.org\n"), 0o644)
	os.WriteFile(filepath.Join(conf, "10-ex.conf"), []byte("[ex]\nserver = https://koji.example.org/kojihub\ntopurl = %(top)s/koji\n"), 0o644)
	p, err = kojihub.ReadProfile("ex", []string{conf}, home)
	if err != nil || p.Server != "https://koji.example.org/kojihub" || p.TopURL != "https://pkgs.example.org/koji" || p.Timeout != 7*time.Second {
		t.Errorf("[DEFAULT] and interpolation: %+v, %v", p, err)
	}
}

// Whatever a hub answers, decoding gives a value or an error, never a
// panic; the seeds are the responses recorded with Koji's marshaller.
func FuzzDecodeResponse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(kojihubtest.Scenario("*"), "*.xml"))
	files = append(files, filepath.Join(kojihubtest.Scenario(""), "offline.xml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		v, err := kojihub.DecodeResponse(doc)
		if err != nil && v != nil {
			t.Errorf("a value with an error: %v, %v", v, err)
		}
		var fault *kojihub.Fault
		if err != nil && !errors.Is(err, kojihub.ErrMalformed) && !errors.As(err, &fault) {
			t.Errorf("an error neither malformed nor a fault: %v", err)
		}
	})
}

// A call recorded in two scenarios is refused: the hub could answer only
// one of them.
func TestHubRefusesDuplicates(t *testing.T) {
	q := kojihubtest.Scenario("quickstart")
	if _, err := kojihubtest.Start(t.TempDir(), q, q); err == nil || !strings.Contains(err.Error(), "recorded twice") {
		t.Errorf("a scenario loaded twice: %v", err)
	}
}
