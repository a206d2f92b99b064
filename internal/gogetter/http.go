package gogetter

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/imgpipe/imgpipe/internal/download"
)

// NewHTTPClient returns the client every http(s) request of fetch-ks
// makes, in imgpipe and in the helper: imgpipe's own, so no setting leaks
// in or out through a shared global client (go-getter v1's Insecure
// does). It follows at most 10 redirects and never from https to plain
// http, and cancels a request that waits or takes longer than l allows
// (package download).
func NewHTTPClient(l download.Limits) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: download.Transport(tr, l),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing a redirect from https to %s", req.URL.Redacted())
			}
			return nil
		},
	}
}
