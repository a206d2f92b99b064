package fetchks_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/stages/fetchks"
)

// slowServer sends its headers, then one byte every interval (never, for
// 0) until the client goes away.
func slowServer(t *testing.T, interval time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		if r.Method == http.MethodHead {
			return
		}
		var tick <-chan time.Time
		if interval > 0 {
			tk := time.NewTicker(interval)
			defer tk.Stop()
			tick = tk.C
		}
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick:
				w.Write([]byte("#"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A server that trickles, or stalls, makes fetch-ks fail within the
// download timeouts ($IMGPIPE_DOWNLOAD_*), with a message naming the URL,
// the limit and how to change it; it used to wait forever.
func TestHTTPTimeouts(t *testing.T) {
	t.Setenv(download.EnvIdle, "500ms")
	t.Setenv(download.EnvTotal, "2s")
	for _, tt := range []struct {
		name     string
		interval time.Duration
		want     []string
	}{
		{"trickle", 100 * time.Millisecond, []string{"took longer than 2s, the download timeout", download.EnvTotal}},
		{"stall", 0, []string{"sent nothing for 500ms, the download idle timeout", download.EnvIdle}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := slowServer(t, tt.interval)
			url := srv.URL + "/fedora.ks"
			// The test's own deadline, so that a missing timeout fails
			// rather than hangs.
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			start := time.Now()
			_, err := fetchks.Fetch(ctx, fetchks.Request{URL: url, Checksum: sum256(nil)}, sum256(nil), t.TempDir(), t.TempDir(), nil)
			took := time.Since(start)
			t.Logf("after %s: %v", took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatal("the download succeeded")
			}
			for _, want := range append(tt.want, url) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if took > 15*time.Second {
				t.Errorf("fetch-ks gave up after %s", took)
			}
		})
	}
}

// member is one entry of a test archive.
type member struct {
	name, body, link string
	typ              byte
}

func tarGz(t *testing.T, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: m.typ, Linkname: m.link}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(m.body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipWithSymlink(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "ks/fedora.ks"}
	h.SetMode(fs.ModeSymlink | 0o777)
	w, err := zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("/etc/shadow"))
	zw.Close()
	return buf.Bytes()
}

// An archive member that is a symlink or a hard link is refused, with an
// error at the url attribute naming the member. go-getter wrote it as an
// empty file: a link to /etc/shadow became an empty kickstart, exit 0.
func TestArchiveLinksRefused(t *testing.T) {
	s := newServer(t)
	shadow := tarGz(t, member{name: "ks/", typ: tar.TypeDir}, member{name: "ks/fedora.ks", typ: tar.TypeSymlink, link: "/etc/shadow"})
	s.serve("/ks.tar.gz", served{body: shadow})
	e := newEnv(t)
	p, _ := e.mustPlan(fmt.Sprintf(`
stage "fetch-ks" "ks" {
  url      = "%s//ks"
  file     = "fedora.ks"
  checksum = "%s"
}`, s.URL+"/ks.tar.gz", sum256(shadow)))
	sum, err := e.run(p)
	if err == nil {
		t.Fatal("the run succeeded")
	}
	msg := e.stageError(sum, "ks")
	want := filepath.Join(e.dir, "recipe.hcl") + ":9:14: url: "
	if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "archive member ks/fedora.ks is a symlink to /etc/shadow") {
		t.Errorf("error %q, want it at %q naming the member", msg, want)
	}

	for _, tt := range []struct {
		name string
		body []byte
		want string
	}{
		{"hard.tar.gz", tarGz(t, member{name: "a.ks", body: "x\n", typ: tar.TypeReg}, member{name: "fedora.ks", typ: tar.TypeLink, link: "a.ks"}), "archive member fedora.ks is a hard link to a.ks"},
		{"fifo.tar.gz", tarGz(t, member{name: "fedora.ks", typ: tar.TypeFifo}), "archive member fedora.ks is a fifo"},
		{"link.zip", zipWithSymlink(t), "archive member ks/fedora.ks is a symlink"},
	} {
		s.serve("/"+tt.name, served{body: tt.body})
		_, _, err := fetch(t, fetchks.Request{URL: s.URL + "/" + tt.name, File: "fedora.ks", Checksum: sum256(tt.body)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// A local url inside the recipe's directory that leads out of it through
// a symlink is refused at the url attribute; one that stays inside works.
func TestLocalURLSymlinkLeavingTree(t *testing.T) {
	e := newEnv(t)
	outside := filepath.Join(filepath.Dir(e.dir), "secret")
	write(t, outside, "secret\n")
	write(t, filepath.Join(e.dir, "ks/real.ks"), "lang en_US\n")
	if err := os.Symlink(outside, filepath.Join(e.dir, "ks/fedora.ks")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.ks", filepath.Join(e.dir, "ks/inside.ks")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(e.dir, "up")); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"ks/fedora.ks", "up/secret"} {
		_, diags := e.plan(fmt.Sprintf(`
stage "fetch-ks" "ks" {
  url = %q
}`, url))
		if !diags.HasErrors() || diags[0].Subject == nil || diags[0].Subject.Start.Line != 9 ||
			!strings.Contains(diags[0].Detail, "leads through a symlink to "+outside+", outside "+e.dir+", the directory it is read from") {
			t.Errorf("url %s: %v, want an error at the url naming the target", url, diags)
		}
	}
	p, _ := e.mustPlan(`
stage "fetch-ks" "ks" {
  url = "ks/inside.ks"
}`)
	if sum, err := e.run(p); err != nil {
		t.Fatalf("a symlink inside the recipe's directory: %v (%s)", err, e.stageError(sum, "ks"))
	}
	if got := e.read(node(t, p, "ks").ID, "tree/inside.ks"); got != "lang en_US\n" {
		t.Errorf("the kickstart holds %q", got)
	}
}

// git over http(s) gives up on a server that stops sending after the
// download idle timeout (curl's low speed limit), and says how to wait
// longer.
func TestGitStalledServer(t *testing.T) {
	t.Setenv(download.EnvIdle, "1s")
	srv := slowServer(t, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err := fetchks.Resolve(ctx, fetchks.Request{URL: "git+" + srv.URL + "/ks.git#main"})
	t.Logf("after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if err == nil || !strings.Contains(err.Error(), "Operation too slow") || !strings.Contains(err.Error(), download.EnvIdle) {
		t.Errorf("ls-remote of a stalled server: %v, want git's low speed error and the variable", err)
	}
	if ctx.Err() != nil {
		t.Error("git waited for the test's deadline")
	}
}

// Cancelling a resolve ends git and the helpers it runs: it used to wait
// for git-remote-http, which kept the output pipe open, for good.
func TestGitCancelled(t *testing.T) {
	t.Setenv(download.EnvIdle, "0")
	srv := slowServer(t, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := fetchks.Resolve(ctx, fetchks.Request{URL: "git+" + srv.URL + "/ks.git#main"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cancelled ls-remote: %v, want the context's error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Resolve did not return 30s after its context was done")
	}
}
