package fetchks

import (
	"net/http"

	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// Limits on what a fetch may bring in. Kickstart trees are small; these
// stop a wrong URL or a hostile server from filling the disk. They are
// variables for tests only.
var (
	// maxDownload bounds one http(s) download (an archive or a file).
	maxDownload int64 = 64 << 20
	// maxUnpacked bounds what an archive unpacks to, in total.
	maxUnpacked int64 = 256 << 20
	// maxFiles bounds the number of entries of an archive.
	maxFiles = 20000
)

// getterRunner runs go-getter (in imgpipe-getter) with fetch-ks's limits,
// the download timeouts of the environment (package download) among
// them, and git, when go-getter runs it, without prompts.
func getterRunner() (gogetter.Runner, error) {
	dl, err := download.FromEnv()
	if err != nil {
		return gogetter.Runner{}, err
	}
	return gogetter.Runner{
		Env: gitEnv(),
		Limits: gogetter.Limits{
			MaxDownload: maxDownload, MaxUnpacked: maxUnpacked, MaxFiles: maxFiles,
			IdleTimeout: dl.Idle, TotalTimeout: dl.Total,
		},
	}, nil
}

// httpClient is the client of fetch-ks's own http(s) requests (resolving
// a URL), with the download timeouts of the environment.
func httpClient() (*http.Client, error) {
	dl, err := download.FromEnv()
	if err != nil {
		return nil, err
	}
	return gogetter.NewHTTPClient(dl), nil
}
