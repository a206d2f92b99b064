package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// cacheRecipe is a cheap recipe for the team cache's protocol
// (docs/team-cache.md): big writes random bytes (so a store that built it
// itself holds other bytes than one that pulled it), twice the same file
// (one blob) and an executable script; use reads big; secretive has a
// secret in its configuration and is never pushed.
const cacheRecipe = `
variable "token" {
  sensitive = true
  default   = "tok-9f2c71e5"
}

build {
  name    = "cached"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "big" {
  command = ["sh", "-euc", <<-EOT
    head -c 300000 /dev/urandom >"$IMGPIPE_OUT/big.bin"
    cp "$IMGPIPE_OUT/big.bin" "$IMGPIPE_OUT/same.bin"
    printf '#!/bin/sh\necho hi\n' >"$IMGPIPE_OUT/run.sh"
    chmod +x "$IMGPIPE_OUT/run.sh"
  EOT
  ]
  outputs = ["big.bin", "same.bin", "run.sh"]
}

stage "exec" "use" {
  command = ["sh", "-euc", "sha256sum <${stage.big["big.bin"]} >\"$IMGPIPE_OUT/sum\""]
  outputs = ["sum"]
}

stage "exec" "secretive" {
  env     = { GREETING = var.token }
  command = ["sh", "-euc", "echo \"$GREETING\" | wc -c >\"$IMGPIPE_OUT/n\""]
  outputs = ["n"]
}
`

// cacheRun runs imgpipe run on the recipe into store with extra flags,
// and returns the run's events and its stderr.
func cacheRun(t *testing.T, recipePath, storeDir string, flags ...string) ([]events.Event, string) {
	t.Helper()
	args := append([]string{"run", "--progress", "plain", "--store", storeDir}, flags...)
	args = append(args, recipePath)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != exitOK {
		t.Fatalf("imgpipe %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return lastRunEvents(t, storeDir), stderr.String()
}

// lastRunEvents reads events.jsonl of the store's newest run.
func lastRunEvents(t *testing.T, storeDir string) []events.Event {
	t.Helper()
	st, err := store.OpenExisting(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.Runs()
	if err != nil || len(runs) == 0 {
		t.Fatalf("no run in %s: %v", storeDir, err)
	}
	f, err := os.Open(filepath.Join(st.RunPath(runs[len(runs)-1]), store.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []events.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e events.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	return evs
}

// outcome is how each stage of a run settled ("done", "cached"), and
// why it was cached.
func outcome(evs []events.Event) (status, reason map[string]string) {
	status, reason = map[string]string{}, map[string]string{}
	for _, e := range evs {
		switch e.Type {
		case events.StageDone:
			status[e.Stage] = "done"
		case events.StageCached:
			status[e.Stage] = "cached"
			reason[e.Stage] = e.Reason
		case events.StageFailed:
			status[e.Stage] = "failed"
		}
	}
	return status, reason
}

// warnings are the warning lines of a run's stages.
func warnings(evs []events.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Type == events.StageLog && strings.HasPrefix(e.Line, "warning: ") {
			out = append(out, e.Stage+": "+e.Line)
		}
	}
	return out
}

func writeCacheRecipe(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cached.hcl")
	if err := os.WriteFile(path, []byte(cacheRecipe), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cachedFileSum returns the sha256 of one file of the object a stage settled
// on in a store's newest run.
func cachedFileSum(t *testing.T, storeDir string, evs []events.Event, stage, file string) string {
	t.Helper()
	for _, e := range evs {
		if e.Stage == stage && (e.Type == events.StageDone || e.Type == events.StageCached) {
			b, err := os.ReadFile(filepath.Join(storeDir, "objects", e.ID, file))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			return hex.EncodeToString(sum[:])
		}
	}
	t.Fatalf("stage %s did not settle", stage)
	return ""
}

// TestTeamCacheSharesStages: store A builds and pushes; store B, another
// machine's, pulls every stage that may be shared and runs only the one
// whose configuration holds a secret, which A did not push. B's objects
// hold A's bytes (big's are random: B did not make them), its script is
// still executable, and cache ls and prune see and delete A's entries.
func TestTeamCacheSharesStages(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	ref := "oci://" + reg + "/team/cache"
	recipePath := writeCacheRecipe(t)
	storeA, storeB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")

	evA, _ := cacheRun(t, recipePath, storeA, "--cache-to", ref)
	if st, _ := outcome(evA); st["big"] != "done" || st["use"] != "done" || st["secretive"] != "done" {
		t.Fatalf("store A: %v", st)
	}
	if w := warnings(evA); len(w) != 1 || !strings.Contains(w[0], "secretive: warning: not pushed to the team cache "+ref+": its configuration holds a secret") {
		t.Errorf("store A's warnings: %q", w)
	}

	evB, stderrB := cacheRun(t, recipePath, storeB, "--cache-from", ref)
	st, why := outcome(evB)
	for _, s := range []string{"big", "use"} {
		if st[s] != "cached" || !strings.Contains(why[s], "pulled from the team cache "+ref) {
			t.Errorf("store B: %s is %s (%s), want pulled from the cache", s, st[s], why[s])
		}
	}
	if st["secretive"] != "done" {
		t.Errorf("store B: secretive is %s, want done (never pushed)", st["secretive"])
	}
	if w := warnings(evB); len(w) > 0 {
		t.Errorf("store B warned: %q", w)
	}
	for _, f := range []string{"big.bin", "same.bin", "run.sh"} {
		if a, b := cachedFileSum(t, storeA, evA, "big", f), cachedFileSum(t, storeB, evB, "big", f); a != b {
			t.Errorf("%s: store B holds sha256 %s, store A %s", f, b, a)
		}
	}
	for _, e := range evB {
		if e.Stage == "big" && e.Type == events.StageCached {
			info, err := os.Stat(filepath.Join(storeB, "objects", e.ID, "run.sh"))
			if err != nil || info.Mode().Perm() != 0o555 {
				t.Errorf("run.sh pulled: %v %v, want 0555", info.Mode(), err)
			}
		}
	}
	if !strings.Contains(stderrB, "CACHED") {
		t.Errorf("store B's progress shows nothing cached:\n%s", stderrB)
	}
	if _, _, err := mustStore(t, storeB).VerifyObjectAll(); err != nil {
		t.Error(err)
	}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"cache", "ls", "--json", ref}, &out, &errOut); code != exitOK {
		t.Fatalf("cache ls: %d %s", code, errOut.String())
	}
	var entries []struct {
		Kind, Stage string
		Tags        []string
	}
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, e := range entries {
		stages = append(stages, e.Kind+" "+e.Stage)
	}
	slices.Sort(stages)
	if !slices.Equal(stages, []string{"exec big", "exec use"}) {
		t.Errorf("cache ls: %s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"cache", "prune", "--keep", "1", ref}, &out, &errOut); code != exitOK {
		t.Fatalf("cache prune: %d %s", code, errOut.String())
	}
	out.Reset()
	run(context.Background(), []string{"cache", "ls", "--json", ref}, &out, &errOut)
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil || len(entries) != 1 {
		t.Errorf("cache ls after prune --keep 1: %s %v", out.String(), err)
	}
}

func mustStore(t *testing.T, dir string) verifier {
	st, err := store.OpenExisting(dir)
	if err != nil {
		t.Fatal(err)
	}
	return verifier{st}
}

type verifier struct{ *store.Store }

// VerifyObjectAll reads every object of the store against its record.
func (v verifier) VerifyObjectAll() (int, int, error) {
	rep, err := v.Verify()
	if err != nil {
		return 0, 0, err
	}
	if len(rep.Damaged) > 0 {
		return 0, 0, fmt.Errorf("damaged: %+v", rep.Damaged)
	}
	return rep.Objects, rep.Builds, nil
}

// TestTeamCacheRefusesAlteredBlob: a blob altered in the registry's
// storage is refused with a warning naming the entry and the digest, and
// the stage runs here; nothing of it enters the store.
func TestTeamCacheRefusesAlteredBlob(t *testing.T) {
	reg, storage := podmantest.StartRegistryStorage(t)
	ref := "oci://" + reg + "/cache"
	recipePath := writeCacheRecipe(t)
	storeA, storeB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	evA, _ := cacheRun(t, recipePath, storeA, "--cache-to", ref)
	sum := cachedFileSum(t, storeA, evA, "big", "big.bin")
	blob := filepath.Join(storage, "docker", "registry", "v2", "blobs", "sha256", sum[:2], sum, "data")
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatalf("the registry has no blob for big.bin: %v", err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}

	evB, _ := cacheRun(t, recipePath, storeB, "--cache-from", ref)
	st, _ := outcome(evB)
	if st["big"] != "done" {
		t.Errorf("store B: big is %s, want done (its cache entry is refused)", st["big"])
	}
	w := strings.Join(warnings(evB), "\n")
	if !strings.Contains(w, "big: warning: pull from the team cache: cache entry "+reg+"/cache:id-") || !strings.Contains(w, "refused: sha256:"+sum) {
		t.Errorf("store B's warnings do not name the entry and the altered blob sha256:%s:\n%s", sum, w)
	}
	if got := cachedFileSum(t, storeB, evB, "big", "big.bin"); got == sum {
		t.Error("store B holds the altered entry's bytes")
	}
	if _, _, err := mustStore(t, storeB).VerifyObjectAll(); err != nil {
		t.Error(err)
	}
}

// TestTeamCacheDown: a cache that cannot be reached is said once, and the
// run builds everything here and succeeds.
func TestTeamCacheDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close() // nothing listens there now
	ref := "oci://" + addr + "/cache"
	recipePath := writeCacheRecipe(t)
	ev, _ := cacheRun(t, recipePath, filepath.Join(t.TempDir(), "s"), "--cache-from", ref, "--cache-to", ref)
	st, _ := outcome(ev)
	for _, s := range []string{"big", "use", "secretive"} {
		if st[s] != "done" {
			t.Errorf("%s is %s, want done", s, st[s])
		}
	}
	w := warnings(ev)
	if len(w) != 1 || !strings.Contains(w[0], "cache "+ref+" cannot be reached") || !strings.Contains(w[0], "the run builds without it") {
		t.Errorf("want one warning that the cache cannot be reached, got %q", w)
	}
}

// TestTeamCacheHalfPush: a push whose manifest the registry refuses (a
// proxy fails every manifest PUT, after the blobs went in) leaves no
// entry: another store misses, builds the stage, and warns of nothing.
func TestTeamCacheHalfPush(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	target, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var blobs int
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			http.Error(w, "manifest writes fail here", http.StatusInternalServerError)
			return
		}
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			blobs++
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	recipePath := writeCacheRecipe(t)
	frontRef := "oci://" + strings.TrimPrefix(front.URL, "http://") + "/cache"
	evA, _ := cacheRun(t, recipePath, filepath.Join(t.TempDir(), "a"), "--cache-to", frontRef)
	if blobs == 0 {
		t.Fatal("no blob was pushed before the manifest")
	}
	if w := strings.Join(warnings(evA), "\n"); !strings.Contains(w, "manifest writes fail here") && !strings.Contains(w, "500") {
		t.Errorf("store A did not warn of the failed push:\n%s", w)
	}

	ref := "oci://" + reg + "/cache"
	evB, _ := cacheRun(t, recipePath, filepath.Join(t.TempDir(), "b"), "--cache-from", ref)
	if st, _ := outcome(evB); st["big"] != "done" || st["use"] != "done" {
		t.Errorf("store B: %v, want every stage built (no entry)", st)
	}
	if w := warnings(evB); len(w) > 0 {
		t.Errorf("store B warned: %q", w)
	}
	var out, errOut bytes.Buffer
	run(context.Background(), []string{"cache", "ls", "--json", ref}, &out, &errOut)
	if strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("cache ls after a half push: %s %s", out.String(), errOut.String())
	}
}

// keyRecipe's use reads src's file; %s is src's command, which two
// recipes write differently for the same bytes.
const keyRecipe = `
build {
  name    = "keyed"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "src" {
  command = ["sh", "-euc", %q]
  outputs = ["msg"]
}

stage "exec" "use" {
  command = ["sh", "-euc", "head -c 100000 /dev/urandom >\"$IMGPIPE_OUT/out\"; cat ${stage.src.msg} >>\"$IMGPIPE_OUT/out\""]
  outputs = ["out"]
}
`

// TestTeamCacheByContentKey: store B's recipe makes src's bytes another
// way, so use has another stage ID than in A and misses by ID; once src
// has run, use's content key is A's, and its object is pulled by it (as
// the store's early cutoff would), holding A's bytes.
func TestTeamCacheByContentKey(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	ref := "oci://" + reg + "/keyed"
	dir := t.TempDir()
	write := func(name, cmd string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(fmt.Sprintf(keyRecipe, cmd)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	recipeA := write("a.hcl", `printf hello >"$IMGPIPE_OUT/msg"`)
	recipeB := write("b.hcl", `echo -n hello >"$IMGPIPE_OUT/msg"`)
	storeA, storeB := filepath.Join(dir, "store-a"), filepath.Join(dir, "store-b")
	evA, _ := cacheRun(t, recipeA, storeA, "--cache-to", ref)
	evB, _ := cacheRun(t, recipeB, storeB, "--cache-from", ref)
	st, why := outcome(evB)
	if st["src"] != "done" {
		t.Errorf("store B: src is %s, want done (another configuration)", st["src"])
	}
	if st["use"] != "cached" || !strings.Contains(why["use"], "(by content key ") {
		t.Errorf("store B: use is %s (%s), want pulled by content key", st["use"], why["use"])
	}
	idOf := func(evs []events.Event, stage string) string {
		for _, e := range evs {
			if e.Stage == stage && e.ID != "" {
				return e.ID
			}
		}
		return ""
	}
	if idOf(evA, "use") == idOf(evB, "use") {
		t.Fatal("use has one stage ID in both recipes: the test needs two")
	}
	if a, b := cachedFileSum(t, storeA, evA, "use", "out"), fileSum(t, filepath.Join(storeB, "objects", idOf(evB, "use"), "out")); a != b {
		t.Errorf("store B's use holds sha256 %s, A's %s", b, a)
	}
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestTeamCacheMirror: what a run pulls from one cache it pushes to
// another (--cache-from and --cache-to differ), so one run fills a mirror.
func TestTeamCacheMirror(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	ref, mirror := "oci://"+reg+"/team/cache", "oci://"+reg+"/team/mirror"
	recipePath := writeCacheRecipe(t)
	cacheRun(t, recipePath, filepath.Join(t.TempDir(), "a"), "--cache-to", ref)
	evB, _ := cacheRun(t, recipePath, filepath.Join(t.TempDir(), "b"), "--cache-from", ref, "--cache-to", mirror)
	if st, _ := outcome(evB); st["big"] != "cached" || st["use"] != "cached" {
		t.Fatalf("store B: %v", st)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"cache", "ls", mirror}, &out, &errOut); code != exitOK {
		t.Fatalf("cache ls: %d %s", code, errOut.String())
	}
	for _, stage := range []string{"big", "use"} {
		if !strings.Contains(out.String(), " exec  "+stage+" ") {
			t.Errorf("the mirror lacks %s:\n%s", stage, out.String())
		}
	}
}

// planStatuses runs imgpipe plan --json with args and returns each
// instance's status and reason by stage name, and plan's stderr.
func planStatuses(t *testing.T, args ...string) (status, reason map[string]string, stderr string) {
	t.Helper()
	args = append([]string{"plan", "--json"}, args...)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code != exitOK {
		t.Fatalf("imgpipe %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	var doc struct {
		Stages []struct{ Name, Status, Reason string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, out.String())
	}
	status, reason = map[string]string{}, map[string]string{}
	for _, s := range doc.Stages {
		status[s.Name], reason[s.Name] = s.Status, s.Reason
	}
	return status, reason, errOut.String()
}

// TestPlanAsksTeamCache: store A builds and pushes; plan with store B,
// empty, asks the cache (named by --cache-from or by the recipe's block)
// and shows the stages it holds as pull, naming the entry; the stage A
// did not push (a secret) runs. Plan with store A finds its own objects
// first. A cache that cannot be reached is one warning, and the statuses
// are those without it.
func TestPlanAsksTeamCache(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	ref := "oci://" + reg + "/team/cache"
	recipePath := writeCacheRecipe(t)
	storeA, storeB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	cacheRun(t, recipePath, storeA, "--cache-to", ref)

	want := map[string]string{"big": "pull", "use": "pull", "secretive": "run"}
	blockRecipe := filepath.Join(t.TempDir(), "block.hcl")
	block := fmt.Sprintf("cache \"oci\" {\n  ref = %q\n}\n", reg+"/team/cache")
	if err := os.WriteFile(blockRecipe, []byte(cacheRecipe+block), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--store", storeB, "--cache-from", ref, recipePath},
		{"--store", storeB, blockRecipe},
	} {
		st, why, stderr := planStatuses(t, args...)
		if !maps.Equal(st, want) {
			t.Errorf("plan %s: %v, want %v", strings.Join(args, " "), st, want)
		}
		for _, s := range []string{"big", "use"} {
			if !strings.Contains(why[s], "its object is in the team cache "+ref+" (by stage ID ") {
				t.Errorf("plan %s: %s's reason is %q", strings.Join(args, " "), s, why[s])
			}
		}
		if why["secretive"] != "" || stderr != "" {
			t.Errorf("plan %s: secretive's reason %q, stderr %q", strings.Join(args, " "), why["secretive"], stderr)
		}
	}
	if _, err := os.Stat(storeB); !os.IsNotExist(err) {
		t.Errorf("plan made store B: %v", err)
	}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"plan", "--store", storeB, "--cache-from", ref, recipePath}, &out, &errOut); code != exitOK {
		t.Fatalf("plan: %d %s", code, errOut.String())
	}
	for _, re := range []string{`(?m)^#1\s+big\s+exec\s+x86_64\s+pull\s`, `(?m)^pull: the team cache ` + regexp.QuoteMeta(ref) + ` has its object; a run pulls it`} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("plan's table does not match %s:\n%s", re, out.String())
		}
	}

	if st, _, _ := planStatuses(t, "--store", storeA, "--cache-from", ref, recipePath); st["big"] != "cached" || st["use"] != "cached" {
		t.Errorf("plan with store A: %v, want its own objects cached", st)
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	down := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/cache"
	srv.Close() // nothing listens there now
	st, why, stderr := planStatuses(t, "--store", storeB, "--cache-from", down, recipePath)
	if want := map[string]string{"big": "run", "use": "unknown", "secretive": "run"}; !maps.Equal(st, want) {
		t.Errorf("plan with the cache down: %v (%v), want %v", st, why, want)
	}
	if strings.Count(stderr, "warning: ") != 1 || !strings.Contains(stderr, "warning: cache "+down+" cannot be reached") || !strings.Contains(stderr, "the statuses are without it") {
		t.Errorf("plan with the cache down: want one warning that it cannot be reached, stderr:\n%s", stderr)
	}
}

// doctorCache runs imgpipe doctor --json with args and returns its
// findings about team caches, by check.
func doctorCache(t *testing.T, args ...string) map[string]finding {
	t.Helper()
	args = append([]string{"doctor", "--json", "--store", filepath.Join(t.TempDir(), "store")}, args...)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code == exitInvalid {
		t.Fatalf("imgpipe %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	var found []finding
	if err := json.Unmarshal(out.Bytes(), &found); err != nil {
		t.Fatalf("doctor --json: %v\n%s%s", err, out.String(), errOut.String())
	}
	caches := map[string]finding{}
	for _, f := range found {
		if strings.HasPrefix(f.Check, "cache ") {
			caches[f.Check] = f
		}
	}
	return caches
}

// TestDoctorTeamCache: doctor RECIPE checks the recipe's team cache as a
// run would use it: one that answers and, with push = true, accepts a
// push is ok and says whose credentials go; one that refuses pushes, or
// that nobody answers for, is a warning with a fix.
func TestDoctorTeamCache(t *testing.T) {
	reg := podmantest.StartRegistry(t)
	dir := t.TempDir()
	recipeFor := func(name, ref string, push bool) string {
		path := filepath.Join(dir, name)
		block := fmt.Sprintf("cache \"oci\" {\n  ref  = %q\n  push = %v\n}\n", ref, push)
		if err := os.WriteFile(path, []byte(cacheRecipe+block), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Credentials for the registry in a Docker config, and no other file.
	t.Setenv("HOME", dir)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	config := fmt.Sprintf(`{"auths": {%q: {"auth": "Y2k6c2VjcmV0"}}}`, reg)
	if err := os.MkdirAll(filepath.Join(dir, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docker", "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	ref := "oci://" + reg + "/team/cache"
	f := doctorCache(t, recipeFor("push.hcl", reg+"/team/cache", true))["cache "+ref]
	if f.Status != statusOK || !strings.Contains(f.Detail, "answers and accepts a push; credentials from "+filepath.Join(dir, "docker", "config.json")) {
		t.Errorf("doctor on a cache that accepts pushes: %+v", f)
	}
	f = doctorCache(t, recipeFor("pull.hcl", reg+"/team/cache", false))["cache "+ref]
	if f.Status != statusOK || !strings.Contains(f.Detail, "answers, read-only") {
		t.Errorf("doctor on a cache a run only pulls from: %+v", f)
	}

	// A registry that lets this machine read but not write.
	target, _ := url.Parse("http://" + reg)
	proxy := httputil.NewSingleHostReverseProxy(target)
	readOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"read-only here"}]}`, http.StatusForbidden)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer readOnly.Close()
	roHost := strings.TrimPrefix(readOnly.URL, "http://")
	f = doctorCache(t, recipeFor("ro.hcl", roHost+"/team/cache", true))["cache oci://"+roHost+"/team/cache"]
	if f.Status != statusWarn || !strings.Contains(f.Detail, "push refused") || !strings.Contains(f.Detail, "no credentials for "+roHost) || !strings.Contains(f.Fix, "podman login "+roHost) {
		t.Errorf("doctor on a cache that refuses pushes: %+v", f)
	}
	// The flags override the block, as run's do: pulling only is fine.
	if f := doctorCache(t, "--cache-to", "none", filepath.Join(dir, "ro.hcl"))["cache oci://"+roHost+"/team/cache"]; f.Status != statusOK {
		t.Errorf("doctor --cache-to none on a read-only cache: %+v", f)
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	downHost := strings.TrimPrefix(srv.URL, "http://")
	srv.Close() // nothing listens there now
	f = doctorCache(t, recipeFor("down.hcl", downHost+"/cache", false))["cache oci://"+downHost+"/cache"]
	if f.Status != statusWarn || !strings.Contains(f.Detail, "cannot be reached") || !strings.Contains(f.Detail, "a run builds without it") || f.Fix == "" {
		t.Errorf("doctor on a cache nobody answers for: %+v", f)
	}
}
