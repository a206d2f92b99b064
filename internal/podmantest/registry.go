package podmantest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// StartRegistry runs Debian's docker-registry (the CNCF distribution
// registry) on a free loopback port with its storage in a temporary
// directory, and returns its host:port. It speaks plain http: a service
// reaches it when started with InsecureRegistry. It is stopped when the
// test ends.
func StartRegistry(t testing.TB) string {
	t.Helper()
	addr, _ := StartRegistryStorage(t)
	return addr
}

// StartRegistryStorage is StartRegistry that also returns the directory
// the registry keeps its blobs and manifests in (distribution's filesystem
// driver: docker/registry/v2/blobs/sha256/<2>/<hex>/data), for tests that
// damage what it stores.
func StartRegistryStorage(t testing.TB) (addr, storage string) {
	t.Helper()
	r, err := RunRegistry(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("registry log:\n%s", r.Log())
		}
	})
	return r.Addr, r.Storage
}

// Registry is a running docker-registry (RunRegistry).
type Registry struct {
	Addr    string // host:port on loopback, plain http
	Storage string // its filesystem driver's root directory
	cmd     *exec.Cmd
	log     *syncbuf.Buffer
	exited  chan struct{}
}

// RunRegistry runs Debian's docker-registry on a free loopback port, with
// deletes enabled and its configuration and storage in dir, and returns
// once it answers. Tests use StartRegistry; programs (bench/) call this
// and Stop.
func RunRegistry(dir string) (*Registry, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, fmt.Errorf("docker-registry not found: run scripts/install-deps (go tool task deps), which installs Debian's docker-registry")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	r := &Registry{Addr: addr, Storage: filepath.Join(dir, "data"), log: &syncbuf.Buffer{}, exited: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", cfgPath)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { r.cmd.Wait(); close(r.exited) }()
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
		select {
		case <-r.exited:
			return nil, fmt.Errorf("docker-registry exited:\n%s", r.log.String())
		default:
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("docker-registry did not answer on %s: %v\n%s", addr, err, r.log.String())
		}
		// Polling a port that is not listening yet: there is nothing to
		// wait on instead.
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the registry and waits for it.
func (r *Registry) Stop() {
	r.cmd.Process.Kill()
	<-r.exited
}

// Log is what the registry wrote.
func (r *Registry) Log() string { return r.log.String() }

// Option changes how Start sets up a service.
type Option func(*options)

type options struct {
	insecureRegistries []string
}

// InsecureRegistry lets the service pull from and push to the registry at
// hostPort over plain http, as StartRegistry's speaks: a
// registries.conf entry, as a builder host with a local registry has.
func InsecureRegistry(hostPort string) Option {
	return func(o *options) { o.insecureRegistries = append(o.insecureRegistries, hostPort) }
}

func (o options) registriesConf() string {
	conf := registriesConf
	for _, r := range o.insecureRegistries {
		conf += fmt.Sprintf("\n[[registry]]\nlocation = %q\ninsecure = true\n", r)
	}
	return conf
}
