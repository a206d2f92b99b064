package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/cache/oci"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// watchedRun is imgpipe run --progress json in a child process, its
// events watched as they come.
type watchedRun struct {
	cmd    *exec.Cmd
	done   chan error
	stderr bytes.Buffer // complete once done has answered

	mu   sync.Mutex
	seen map[string]chan struct{} // "TYPE STAGE" → closed once seen
}

// startWatchedRun starts imgpipe run with args; onEvent, when not nil, is
// called with each event as it is read.
func startWatchedRun(t *testing.T, onEvent func(events.Event), args ...string) *watchedRun {
	t.Helper()
	w := &watchedRun{done: make(chan error, 1), seen: map[string]chan struct{}{}}
	w.cmd = imgpipeCmd(append([]string{"run", "--progress", "json"}, args...)...)
	pipe, err := w.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(io.TeeReader(pipe, &w.stderr))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e events.Event
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Type == "" {
				continue
			}
			if onEvent != nil {
				onEvent(e)
			}
			ch := w.when(e.Type, e.Stage)
			select {
			case <-ch:
			default:
				close(ch)
			}
		}
		w.done <- w.cmd.Wait()
	}()
	return w
}

// when is closed once the run's event of type t for stage is read.
func (w *watchedRun) when(t events.Type, stage string) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := string(t) + " " + stage
	if w.seen[k] == nil {
		w.seen[k] = make(chan struct{})
	}
	return w.seen[k]
}

// exitCode waits for the run to end and returns its exit status.
func (w *watchedRun) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case err := <-w.done:
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitCode()
		}
		t.Fatalf("imgpipe: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatalf("imgpipe did not end within 2 minutes:\n%s", w.stderr.String())
	}
	return -1
}

// holdingProxy fronts a registry: the PUT of a manifest tagged id-… (the
// first of an entry's tags, which makes the entry) waits until hold's
// channel for the entry's stage is closed; hold returns nil to let it
// through. released is told the stage when the hold ends, and whether the
// client gave up first (then nothing is forwarded); forwarded the stage
// once the registry answered, before the answer reaches the client.
func holdingProxy(t *testing.T, reg string, hold func(stage string) <-chan struct{}, released func(stage string, gaveUp bool), forwarded func(stage string)) string {
	t.Helper()
	target, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, tag, isManifest := strings.Cut(r.URL.Path, "/manifests/")
		if r.Method != http.MethodPut || !isManifest || !strings.HasPrefix(tag, "id-") {
			proxy.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var m struct{ Annotations map[string]string }
		json.Unmarshal(body, &m)
		stage := m.Annotations[oci.AnnotationStage]
		if gate := hold(stage); gate != nil {
			select {
			case <-gate:
				released(stage, false)
			case <-r.Context().Done():
				released(stage, true)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if forwarded != nil {
			w = &beforeAnswer{ResponseWriter: w, hook: func() { forwarded(stage) }}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return "oci://" + strings.TrimPrefix(front.URL, "http://") + "/cache"
}

// beforeAnswer calls hook once before the answer's first byte.
type beforeAnswer struct {
	http.ResponseWriter
	once sync.Once
	hook func()
}

func (b *beforeAnswer) WriteHeader(code int) {
	b.once.Do(b.hook)
	b.ResponseWriter.WriteHeader(code)
}

func (b *beforeAnswer) Write(p []byte) (int, error) {
	b.once.Do(b.hook)
	return b.ResponseWriter.Write(p)
}

func (b *beforeAnswer) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// cacheEntries are the stages `imgpipe cache ls` lists in ref.
func cacheEntries(t *testing.T, ref string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"cache", "ls", "--json", ref}, &out, &errOut); code != exitOK {
		t.Fatalf("cache ls: %d %s", code, errOut.String())
	}
	var entries []struct{ Kind, Stage string }
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, e := range entries {
		stages = append(stages, e.Kind+" "+e.Stage)
	}
	slices.Sort(stages)
	return stages
}

// TestTeamCachePushInBackground: a stage is reported done before its push
// ends, so the stage after it starts while the push is held (a proxy
// holds big's entry until use has started: were the push before big's
// stage.done, use would wait for it and the hold would end only when the
// push gives up); and the run finishes after its pushes (use's entry is
// held until the run says it waits for its pushes, run.pushing, and
// run.finished comes after the registry took it): after the run, cache ls
// lists both entries.
func TestTeamCachePushInBackground(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	recipePath := writeCacheRecipe(t)
	var (
		mu      sync.Mutex
		holding = map[string]bool{} // stage → its entry is held or being forwarded
		gaveUp  []string
		w       *watchedRun
		ready   = make(chan struct{})
	)
	hold := func(stage string) <-chan struct{} {
		<-ready
		mu.Lock()
		holding[stage] = true
		mu.Unlock()
		switch stage {
		case "big":
			return w.when(events.StageStarted, "use")
		case "use":
			// Released by the run's own word that it waits for its
			// pushes: were there no run.pushing, the push would give up.
			return w.when(events.RunPushing, "")
		}
		return nil
	}
	released := func(stage string, gave bool) {
		if gave {
			mu.Lock()
			gaveUp = append(gaveUp, stage)
			holding[stage] = false
			mu.Unlock()
		}
	}
	forwarded := func(stage string) {
		mu.Lock()
		holding[stage] = false
		mu.Unlock()
	}
	ref := holdingProxy(t, reg, hold, released, forwarded)
	var finishedEarly []string
	onEvent := func(e events.Event) {
		if e.Type != events.RunFinished {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for s, held := range holding {
			if held {
				finishedEarly = append(finishedEarly, s)
			}
		}
	}
	w = startWatchedRun(t, onEvent, "--store", filepath.Join(t.TempDir(), "s"), "--cache-to", ref, recipePath)
	close(ready)

	if code := w.exitCode(t); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, w.stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(gaveUp) > 0 {
		t.Errorf("the push of %v gave up while held: the stage after it waited for the push", gaveUp)
	}
	if len(finishedEarly) > 0 {
		t.Errorf("run.finished came while the push of %v was outstanding", finishedEarly)
	}
	if got := cacheEntries(t, "oci://"+reg+"/cache"); !slices.Equal(got, []string{"exec big", "exec use"}) {
		t.Errorf("cache ls after the run: %q, want exec big and exec use", got)
	}
	// use's push at least; big's too if it has not ended yet.
	if out := w.stderr.String(); !regexp.MustCompile(`waiting for (1 push|2 pushes) to the team cache`).MatchString(out) {
		t.Errorf("the run did not say it waits for its push:\n%s", out)
	}
	if out := w.stderr.String(); strings.Contains(out, "push to the team cache:") || strings.Contains(out, "cannot be reached") {
		t.Errorf("a push failed:\n%s", out)
	}
}

// TestTeamCachePushInterrupted: SIGINT while a push is held (its
// manifest PUT never reaches the registry) exits 130 and leaves no entry
// a reader accepts: the blobs are there, the manifest, pushed last, is
// not.
func TestTeamCachePushInterrupted(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	recipePath := writeCacheRecipe(t)
	held := make(chan struct{})
	var once sync.Once
	never := make(chan struct{})
	ref := holdingProxy(t, reg, func(string) <-chan struct{} {
		once.Do(func() { close(held) })
		return never
	}, func(string, bool) {}, nil)
	w := startWatchedRun(t, nil, "--store", filepath.Join(t.TempDir(), "s"), "--cache-to", ref, recipePath)
	select {
	case <-held:
	case err := <-w.done:
		t.Fatalf("the run ended (%v) before a push was held:\n%s", err, w.stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("no push within 2 minutes")
	}
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := w.exitCode(t); code != exitInterrupted {
		t.Errorf("exit %d, want %d:\n%s", code, exitInterrupted, w.stderr.String())
	}
	if got := cacheEntries(t, "oci://"+reg+"/cache"); len(got) > 0 {
		t.Errorf("cache ls after an interrupted push: %q, want none", got)
	}
}

// failingArchRecipe: made (one instance, noarch: nothing in it is the
// arch's) succeeds; fail fails for
// aarch64 once $M/held exists, and for x86_64 waits for a file that never
// comes (so only the failure's cancellation ends it).
const failingArchRecipe = `
variable "m" {}
build {
  name    = "twoarch"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}
stage "exec" "made" {
  command = ["sh", "-euc", "head -c 1000 /dev/urandom >\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
stage "exec" "fail" {
  env     = { M = var.m, ARCH = arch }
  command = ["sh", "-euc", <<-EOT
    want=never; [ "$ARCH" = aarch64 ] && want=held
    i=0
    while [ ! -e "$M/$want" ]; do i=$((i+1)); if [ $i -gt 600 ]; then exit 4; fi; sleep 0.05; done
    echo "failing on purpose" >&2; exit 1
    EOT
  , "sh", stage.made.out]
}
`

// TestTeamCachePushOutlivesFailure: another arch's failure cancels the
// stages, not the pushes of what was made: made's entry is held until
// aarch64's fail has failed, then reach the registry; the run fails (exit
// 1) for its own reason only.
func TestTeamCachePushOutlivesFailure(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	dir := t.TempDir()
	marks := filepath.Join(dir, "marks")
	recipePath := filepath.Join(dir, "twoarch.hcl")
	if err := os.Mkdir(marks, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recipePath, []byte(failingArchRecipe), 0o644); err != nil {
		t.Fatal(err)
	}
	var (
		w      *watchedRun
		ready  = make(chan struct{})
		mu     sync.Mutex
		gaveUp []string
	)
	ref := holdingProxy(t, reg, func(stage string) <-chan struct{} {
		<-ready
		if err := os.WriteFile(filepath.Join(marks, "held"), nil, 0o644); err != nil {
			t.Error(err)
		}
		return w.when(events.StageFailed, "fail")
	}, func(stage string, gave bool) {
		if gave {
			mu.Lock()
			gaveUp = append(gaveUp, stage)
			mu.Unlock()
		}
	}, nil)
	w = startWatchedRun(t, nil, "--store", filepath.Join(dir, "s"), "--cache-to", ref, "-var", "m="+marks, recipePath)
	close(ready)
	if code := w.exitCode(t); code != exitFailed {
		t.Errorf("exit %d, want %d:\n%s", code, exitFailed, w.stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(gaveUp) > 0 {
		t.Errorf("the push of %v was abandoned when aarch64 failed", gaveUp)
	}
	if got := cacheEntries(t, "oci://"+reg+"/cache"); !slices.Equal(got, []string{"exec made"}) {
		t.Errorf("cache ls after the run: %q, want made's entry", got)
	}
}
