package download_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
)

// trickle serves headers, then one byte every interval until the client
// goes away; with interval 0 it sends no byte at all.
func trickle(t *testing.T, interval time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		if interval == 0 {
			<-r.Context().Done()
			return
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, l download.Limits, u string) (time.Duration, error) {
	t.Helper()
	client := &http.Client{Transport: download.Transport(nil, l)}
	start := time.Now()
	resp, err := client.Get(u)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return time.Since(start), err
}

func TestIdleTimeout(t *testing.T) {
	srv := trickle(t, 0)
	took, err := get(t, download.Limits{Idle: 300 * time.Millisecond}, strings.Replace(srv.URL, "http://", "http://user:secret@", 1)+"/ks.tar.gz")
	var te *download.TimeoutError
	if !errors.As(err, &te) || !te.Idle {
		t.Fatalf("a silent server: %v, want an idle TimeoutError", err)
	}
	msg := err.Error()
	for _, want := range []string{srv.URL + "/ks.tar.gz sent nothing for 300ms", download.EnvIdle} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "secret") || strings.Contains(msg, "user") {
		t.Errorf("error %q shows the URL's user information", msg)
	}
	if took > 10*time.Second {
		t.Errorf("gave up after %s", took)
	}
}

// A trickle resets the idle clock; the total timeout ends it.
func TestTotalTimeout(t *testing.T) {
	srv := trickle(t, 50*time.Millisecond)
	_, err := get(t, download.Limits{Idle: 2 * time.Second, Total: 700 * time.Millisecond}, srv.URL+"/big")
	var te *download.TimeoutError
	if !errors.As(err, &te) || te.Idle || !strings.Contains(err.Error(), download.EnvTotal) {
		t.Fatalf("a trickling server: %v, want the total TimeoutError", err)
	}
}

func TestWithinLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "lang en_US\n") }))
	defer srv.Close()
	client := &http.Client{Transport: download.Transport(nil, download.Limits{Idle: time.Second, Total: 5 * time.Second})}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "lang en_US\n" || err != nil {
		t.Errorf("body %q, %v", b, err)
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(download.EnvIdle, "")
	t.Setenv(download.EnvTotal, "")
	if l, err := download.FromEnv(); l != download.Default || err != nil {
		t.Errorf("no variables: %+v, %v", l, err)
	}
	t.Setenv(download.EnvIdle, "90s")
	t.Setenv(download.EnvTotal, "0")
	if l, err := download.FromEnv(); l != (download.Limits{Idle: 90 * time.Second}) || err != nil {
		t.Errorf("90s and 0: %+v, %v", l, err)
	}
	t.Setenv(download.EnvIdle, "soon")
	if _, err := download.FromEnv(); err == nil || !strings.Contains(err.Error(), download.EnvIdle+"=soon") {
		t.Errorf("a bad value: %v", err)
	}
}
