package fetchks_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/imgpipe/imgpipe/stages/fetchks"
)

// server is a loopback HTTP server with a few kickstarts, counting the
// requests it gets by method.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
	files  map[string]served
}

type served struct {
	body    []byte
	headers map[string]string
	noHead  bool // answer HEAD with 405
}

func newServer(t *testing.T) *server {
	s := &server{counts: map[string]int{}, files: map[string]served{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.Method]++
		f, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if f.noHead && r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		for k, v := range f.headers {
			w.Header().Set(k, v)
		}
		if r.Method == http.MethodHead {
			return
		}
		// Chunked, without Content-Length: a body cut off at the limit
		// cannot be told from a whole one by its length.
		w.Write(f.body)
		w.(http.Flusher).Flush()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(path string, f served) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = f
}

func (s *server) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

func (s *server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
}

func sum256(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

func targz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write(b)
	gz.Close()
	return buf.Bytes()
}

func TestHTTPChecksum(t *testing.T) {
	s := newServer(t)
	body := []byte("%packages\n@core\n%end\n")
	s.serve("/ks/fedora.ks", served{body: body})
	url := s.URL + "/ks/fedora.ks"

	// A checksum pins the download: resolving sends no request.
	res, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: url, Checksum: strings.ToUpper(sum256(body)[:7]) + sum256(body)[7:]})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revision != sum256(body) || len(res.Warnings) > 0 || s.count("HEAD")+s.count("GET") > 0 {
		t.Errorf("resolve with a checksum: %+v, %v requests; want the checksum, no warning, no request", res, s.counts)
	}
	got, out, err := fetch(t, fetchks.Request{URL: url, Checksum: sum256(body)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Kickstart != "tree/fedora.ks" || got.Revision != sum256(body) {
		t.Errorf("result %+v", got)
	}
	if b := readFile(t, filepath.Join(out, got.Kickstart)); b != string(body) {
		t.Errorf("kickstart = %q", b)
	}
	if b := readFile(t, filepath.Join(out, "revision")); b != sum256(body)+"\n" {
		t.Errorf("revision file = %q", b)
	}

	wrong := sum256([]byte("something else"))
	_, _, err = fetch(t, fetchks.Request{URL: url, Checksum: wrong})
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), wrong) {
		t.Errorf("wrong checksum: %v", err)
	}
}

func TestHTTPResolveWithoutChecksum(t *testing.T) {
	s := newServer(t)
	body := []byte("text\n")
	s.serve("/etag.ks", served{body: body, headers: map[string]string{"ETag": `"v1"`}})
	s.serve("/lm.ks", served{body: body, headers: map[string]string{"Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT"}})
	s.serve("/nohead.ks", served{body: body, headers: map[string]string{"ETag": `W/"x"`}, noHead: true})
	s.serve("/none.ks", served{body: body})

	for _, tt := range []struct {
		path, want, warn string
		gets             int
	}{
		{"/etag.ks", `etag:"v1"`, "ETag", 0},
		{"/lm.ks", "last-modified:Mon, 02 Jan 2006 15:04:05 GMT", "Last-Modified", 0},
		{"/nohead.ks", `etag:W/"x"`, "ETag", 1}, // a GET whose body is not read
		{"/none.ks", sum256(body), "downloaded", 1},
	} {
		t.Run(tt.path, func(t *testing.T) {
			s.reset()
			res, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: s.URL + tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if res.Revision != tt.want {
				t.Errorf("Revision = %q, want %q", res.Revision, tt.want)
			}
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tt.warn) || !strings.Contains(res.Warnings[0], "not reproducible") {
				t.Errorf("warnings %q, want one about %s", res.Warnings, tt.warn)
			}
			if g := s.count("GET"); g != tt.gets {
				t.Errorf("%d GET requests, want %d", g, tt.gets)
			}
			got, _, err := fetch(t, fetchks.Request{URL: s.URL + tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if got.Revision != sum256(body) {
				t.Errorf("fetched revision %s, want the download's checksum %s", got.Revision, sum256(body))
			}
		})
	}

	s.serve("/missing-validators.ks", served{body: body})
	res, _ := fetchks.Resolve(context.Background(), fetchks.Request{URL: s.URL + "/missing-validators.ks"})
	// The server changes the file after resolving: the fetch notices.
	s.serve("/missing-validators.ks", served{body: []byte("changed\n")})
	_, err := fetchks.Fetch(context.Background(), fetchks.Request{URL: s.URL + "/missing-validators.ks"}, res.Revision, t.TempDir(), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("content changed after resolving: %v", err)
	}

	if _, err := fetchks.Resolve(context.Background(), fetchks.Request{URL: s.URL + "/absent.ks"}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("resolving a missing file: %v", err)
	}
}

// The stage ID follows the ETag: a changed file reruns the stage.
func TestHTTPETagChangesStageID(t *testing.T) {
	s := newServer(t)
	s.serve("/fedora.ks", served{body: []byte("v1\n"), headers: map[string]string{"ETag": `"1"`}})
	e := newEnv(t)
	stages := fmt.Sprintf(`
stage "fetch-ks" "ks" {
  url = %q
}`, s.URL+"/fedora.ks")
	p1, diags := e.mustPlan(stages)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "ETag") {
		t.Errorf("diagnostics %v, want one warning about the ETag", diags)
	}
	if sum, err := e.run(p1); err != nil || sum.Done != 1 {
		t.Fatalf("run: %v", err)
	}
	id1 := node(t, p1, "ks").ID
	s.serve("/fedora.ks", served{body: []byte("v2\n"), headers: map[string]string{"ETag": `"2"`}})
	p2, _ := e.mustPlan(stages)
	id2 := node(t, p2, "ks").ID
	if id1 == id2 {
		t.Fatal("a new ETag kept the stage ID")
	}
	if sum, err := e.run(p2); err != nil || sum.Done != 1 {
		t.Fatalf("run: %v", err)
	}
	if got := e.read(id2, "tree/fedora.ks"); got != "v2\n" {
		t.Errorf("kickstart %q after the change", got)
	}
	if got := e.read(id2, "revision"); got != sum256([]byte("v2\n"))+"\n" {
		t.Errorf("revision %q, want the content's checksum", got)
	}
}

func TestHTTPArchives(t *testing.T) {
	s := newServer(t)
	tree := targz(t, map[string]string{
		"fedora-kickstarts/fedora.ks":     "%include common.ks\n",
		"fedora-kickstarts/common.ks":     "common\n",
		"fedora-kickstarts/extra/more.ks": "more\n",
		"README":                          "top\n",
	})
	s.serve("/ks.tar.gz", served{body: tree})
	s.serve("/lone.ks.gz", served{body: gzipped([]byte("lone\n"))})

	got, out, err := fetch(t, fetchks.Request{URL: s.URL + "/ks.tar.gz//fedora-kickstarts", File: "fedora.ks", Checksum: sum256(tree)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != sum256(tree) {
		t.Errorf("revision %s, want the archive's checksum", got.Revision)
	}
	for rel, want := range map[string]string{"fedora.ks": "%include common.ks\n", "common.ks": "common\n", "extra/more.ks": "more\n"} {
		if b := readFile(t, filepath.Join(out, "tree", rel)); b != want {
			t.Errorf("%s = %q", rel, b)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "tree/README")); err == nil {
		t.Error("the archive's top level was fetched with a subdirectory")
	}

	// A lone .gz is one file, named without .gz; file defaults to it.
	got, out, err = fetch(t, fetchks.Request{URL: s.URL + "/lone.ks.gz"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Kickstart != "tree/lone.ks" || readFile(t, filepath.Join(out, got.Kickstart)) != "lone\n" {
		t.Errorf("lone .gz: %+v", got)
	}
}

// Downloads and unpacked files over the limits fail; nothing is cut off
// silently (go-getter's own limits truncate a body or a lone .gz).
func TestHTTPLimits(t *testing.T) {
	restore := fetchks.SetLimits(1024, 4096)
	defer restore()
	s := newServer(t)
	s.serve("/big.ks", served{body: bytes.Repeat([]byte("x"), 1025)})
	s.serve("/exact.ks", served{body: bytes.Repeat([]byte("x"), 1024)})
	s.serve("/bomb.ks.gz", served{body: gzipped(bytes.Repeat([]byte("0"), 100_000))})
	s.serve("/bomb.tar.gz", served{body: targz(t, map[string]string{"a.ks": strings.Repeat("0", 100_000)})})

	if _, _, err := fetch(t, fetchks.Request{URL: s.URL + "/big.ks", Checksum: sum256(bytes.Repeat([]byte("x"), 1025))}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized download: %v", err)
	}
	if _, _, err := fetch(t, fetchks.Request{URL: s.URL + "/exact.ks"}); err != nil {
		t.Errorf("download of exactly the limit: %v", err)
	}
	if _, _, err := fetch(t, fetchks.Request{URL: s.URL + "/bomb.ks.gz"}); err == nil || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Errorf("lone .gz over the limit: %v", err)
	}
	if _, _, err := fetch(t, fetchks.Request{URL: s.URL + "/bomb.tar.gz", File: "a.ks"}); err == nil || !strings.Contains(err.Error(), "larger than limit") {
		t.Errorf("archive over the limit: %v", err)
	}
}

// A redirect from https to a file:// URL (or any non-http scheme) is not
// followed, nor is X-Terraform-Get.
func TestHTTPNoRedirectToLocalFiles(t *testing.T) {
	s := newServer(t)
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("secret\n"), 0o644)
	s.serve("/tf.ks", served{body: []byte("served\n"), headers: map[string]string{"X-Terraform-Get": "file://" + secret, "ETag": `"1"`}})
	got, out, err := fetch(t, fetchks.Request{URL: s.URL + "/tf.ks"})
	if err != nil {
		t.Fatal(err)
	}
	if b := readFile(t, filepath.Join(out, got.Kickstart)); b != "served\n" {
		t.Errorf("X-Terraform-Get was followed: %q", b)
	}
	redir := httptest.NewServer(http.RedirectHandler("file://"+secret, http.StatusFound))
	defer redir.Close()
	if _, _, err := fetch(t, fetchks.Request{URL: redir.URL + "/x.ks", Checksum: sum256([]byte("secret\n"))}); err == nil {
		t.Error("a redirect to file:// was followed")
	}
}
