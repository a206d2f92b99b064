package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
)

// targetRatio is issue 17's aim: store B's run against store A's.
const targetRatio = 0.10

func main() {
	def := os.Getenv("IMGPIPE_FIXTURES")
	if def == "" {
		if d, err := os.UserCacheDir(); err == nil {
			def = filepath.Join(d, "imgpipe-fixtures")
		}
	}
	imgpipe := flag.String("imgpipe", "bin/imgpipe", "imgpipe binary to time")
	fixturesDir := flag.String("fixtures", def, "fixtures directory (holding tree/<arch>/)")
	example := flag.String("example", "examples/quickstart", "the quickstart's directory")
	runs := flag.Int("runs", 1, "rounds (each a full run and a pulling one); the medians count")
	check := flag.Bool("check", false, "exit 1 if the target is missed")
	flag.Parse()
	ok, err := run(*imgpipe, *fixturesDir, *example, *runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cachebench:", err)
		os.Exit(1)
	}
	if *check && !ok {
		os.Exit(1)
	}
}

type measure struct {
	took    time.Duration
	started []string
}

func run(imgpipe, fixturesDir, example string, runs int) (bool, error) {
	if runs < 1 {
		return false, errors.New("-runs must be at least 1")
	}
	imgpipe, err := filepath.Abs(imgpipe)
	if err != nil {
		return false, err
	}
	tree := filepath.Join(fixturesDir, "tree")
	if _, err := os.Stat(filepath.Join(tree, "x86_64")); err != nil {
		return false, fmt.Errorf("no fixture tree (go tool task fixtures): %w", err)
	}
	dir, err := os.MkdirTemp("", "cachebench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"quickstart.hcl", "quickstart.ks"} {
		b, err := os.ReadFile(filepath.Join(example, name))
		if err != nil {
			return false, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return false, err
		}
	}
	var full, pulled []measure
	for i := range runs {
		addr, stop, err := startRegistry(filepath.Join(dir, fmt.Sprintf("registry-%d", i)))
		if err != nil {
			return false, err
		}
		ref := fmt.Sprintf("oci://%s/bench/quickstart", addr)
		a, err := timeRun(imgpipe, dir, tree, filepath.Join(dir, fmt.Sprintf("a-%d", i)), "--cache-to", ref)
		if err == nil {
			full = append(full, a)
			var b measure
			b, err = timeRun(imgpipe, dir, tree, filepath.Join(dir, fmt.Sprintf("b-%d", i)), "--cache-from", ref)
			pulled = append(pulled, b)
		}
		stop()
		if err != nil {
			return false, err
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tmedian\tratio\tVM and convert stages started")
	ref := median(full)
	for _, row := range []struct {
		name string
		ms   []measure
	}{{"store A: full run, pushing", full}, {"store B: same recipe, pulling", pulled}} {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%d\n", row.name, median(row.ms).Round(10*time.Millisecond), float64(median(row.ms))/float64(ref), heavyStarts(row.ms))
	}
	tw.Flush()
	ratio := float64(median(pulled)) / float64(ref)
	ok := ratio <= targetRatio && heavyStarts(pulled) == 0
	verdict := "ok"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Printf("\nstore B / store A  %.3f  <= %.2f and no VM or convert  %s\n", ratio, targetRatio, verdict)
	return ok, nil
}

// timeRun runs the quickstart in dir into store with flags.
func timeRun(imgpipe, dir, tree, store string, flags ...string) (measure, error) {
	args := append([]string{"run", "--progress", "json", "--store", store, "-var", "tree=" + tree}, flags...)
	cmd := exec.Command(imgpipe, append(args, filepath.Join(dir, "quickstart.hcl"))...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	m := measure{took: time.Since(start)}
	if err != nil {
		return m, fmt.Errorf("imgpipe run: %w\n%s", err, tail(stderr.Bytes()))
	}
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e events.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type == events.StageStarted {
			m.started = append(m.started, e.Kind)
		}
	}
	return m, nil
}

// startRegistry runs Debian's docker-registry on a free loopback port
// with its storage in dir.
func startRegistry(dir string) (addr string, stop func(), err error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return "", nil, errors.New("docker-registry not found (go tool task deps installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr = l.Addr().String()
	l.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop = func() { cmd.Process.Kill(); <-exited }
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, stop, nil
			}
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("docker-registry exited:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("docker-registry did not answer on %s", addr)
		}
		time.Sleep(50 * time.Millisecond) // a port not listening yet: nothing to wait on
	}
}

func median(ms []measure) time.Duration {
	ds := make([]time.Duration, len(ms))
	for i, m := range ms {
		ds[i] = m.took
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// heavyStarts counts the guest-install, boot-verify and convert stages
// the runs started, at most.
func heavyStarts(ms []measure) int {
	most := 0
	for _, m := range ms {
		n := 0
		for _, k := range m.started {
			if k == "guest-install" || k == "boot-verify" || k == "convert" {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
