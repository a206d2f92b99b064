package ociclient

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/imgpipe/imgpipe/internal/download"
	"github.com/imgpipe/imgpipe/internal/version"
)

// NewRepository opens the repository host[:port]/repo, over plain HTTP for
// a loopback registry, with credentials from Docker's and Podman's files.
// A registry that stops answering fails a request after the idle timeout
// (internal/download); there is no total timeout, since a blob can be
// large: callers bound what they must with their context.
func NewRepository(hostRepo string) (*remote.Repository, error) {
	repo, err := remote.NewRepository(hostRepo)
	if err != nil {
		return nil, err
	}
	host, _, _ := strings.Cut(hostRepo, "/")
	repo.PlainHTTP = IsLoopback(host)
	limits, err := download.FromEnv()
	if err != nil {
		return nil, err
	}
	limits.Total = 0
	client := &auth.Client{
		Client: &http.Client{Transport: retry.NewTransport(download.Transport(nil, limits))},
		Cache:  auth.NewCache(),
		Header: http.Header{"User-Agent": {"imgpipe/" + version.Short()}},
	}
	var stores []credentials.Store
	for _, ds := range credentialStores() {
		stores = append(stores, ds)
	}
	if len(stores) > 0 {
		client.Credential = credentials.Credential(credentials.NewStoreWithFallbacks(stores[0], stores[1:]...))
	}
	repo.Client = client
	return repo, nil
}

// credentialStores are Docker's credentials, then Podman's files, in the
// order NewRepository asks them.
func credentialStores() []*credentials.DynamicStore {
	var stores []*credentials.DynamicStore
	if ds, err := credentials.NewStoreFromDocker(credentials.StoreOptions{}); err == nil {
		stores = append(stores, ds)
	}
	for _, path := range podmanAuthFiles() {
		if ds, err := credentials.NewStore(path, credentials.StoreOptions{}); err == nil {
			stores = append(stores, ds)
		}
	}
	return stores
}

// CredentialsFile returns the file whose credentials NewRepository would
// use for host[:port] (the first of Docker's and Podman's that has some),
// or "" when none has: requests go without credentials.
func CredentialsFile(ctx context.Context, host string) (string, error) {
	for _, ds := range credentialStores() {
		cred, err := ds.Get(ctx, host)
		if err != nil {
			return "", fmt.Errorf("credentials for %s in %s: %w", host, ds.ConfigPath(), err)
		}
		if cred != auth.EmptyCredential {
			return ds.ConfigPath(), nil
		}
	}
	return "", nil
}

// podmanAuthFiles are the auth.json files Podman logs in to.
func podmanAuthFiles() []string {
	var files []string
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		files = append(files, f)
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		files = append(files, filepath.Join(d, "containers", "auth.json"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".config", "containers", "auth.json"))
	}
	var out []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// IsLoopback reports whether host[:port] is this machine: localhost or a
// loopback address, reached over plain HTTP.
func IsLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
