package upload_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/stages/upload"
)

// A registry that accepts the connection and then answers nothing fails
// the push after the download idle timeout, with a message naming it; it
// used to wait forever.
func TestOCIStalledRegistry(t *testing.T) {
	t.Setenv(download.EnvIdle, "300ms")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	e := newEnv(t)
	b := testBuild("x86_64")
	s, _ := e.stage(b, "x86_64", e.images(b, "x86_64", ""), "oci://"+host+"/imgpipe/fedora-cloud:41-1")
	// The test's own deadline, so that a missing timeout fails rather
	// than hangs.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := upload.Kind.Run(ctx, s)
	if err == nil || !strings.Contains(err.Error(), "sent nothing for 300ms") || !strings.Contains(err.Error(), download.EnvIdle) {
		t.Errorf("push to a stalled registry: %v, want the idle timeout", err)
	}
	if ctx.Err() != nil {
		t.Error("the push waited for the test's deadline")
	}
}
