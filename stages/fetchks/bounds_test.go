package fetchks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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
