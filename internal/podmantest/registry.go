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
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatal("docker-registry not found: run scripts/install-deps (go tool task deps), which installs Debian's docker-registry")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	dir := t.TempDir()
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
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	log := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("registry log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, filepath.Join(dir, "data")
			}
		}
		select {
		case <-exited:
			t.Fatalf("docker-registry exited:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", addr, err, log.String())
		}
		// Polling a port that is not listening yet: there is nothing to
		// wait on instead.
		time.Sleep(50 * time.Millisecond)
	}
}

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
