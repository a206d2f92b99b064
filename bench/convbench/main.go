package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/stages/convert"
)

// Targets from the project's issue 6.
const (
	targetRatio = 1.10
	targetRSS   = 64 << 20
)

const (
	diskSize = 4 << 30
	dataSize = 200 << 20
	extents  = 4
)

func main() {
	var (
		runs     int
		check    bool
		keep     bool
		ovaChild bool
	)
	flag.IntVar(&runs, "runs", 5, "runs of each side, interleaved; the medians count")
	flag.BoolVar(&check, "check", false, "exit 1 if a target is missed")
	flag.BoolVar(&keep, "keep", false, "keep the temporary directory")
	flag.BoolVar(&ovaChild, "ova-child", false, "internal: package DISK as a vsphere-ova into OUTDIR and print the peak RSS")
	flag.Parse()

	if ovaChild {
		if err := ovaChildMain(flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "convbench -ova-child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(runs, check, keep); err != nil {
		fmt.Fprintln(os.Stderr, "convbench:", err)
		os.Exit(1)
	}
}

func run(runs int, check, keep bool) error {
	if runs < 1 {
		return errors.New("need -runs >= 1")
	}
	for _, t := range []string{"qemu-img", "sha256sum"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s: not installed (go tool task deps installs it)", t)
		}
	}
	dir, err := os.MkdirTemp("", "convbench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("files in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	disk := filepath.Join(dir, "disk.raw")
	if err := makeDisk(disk); err != nil {
		return err
	}
	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		return err
	}
	fmt.Printf("convbench: %d GiB sparse raw, %d MiB of random data, median of %d interleaved runs\n\n",
		diskSize>>30, dataSize>>20, runs)

	// One untimed run of each warms the page cache and checks both work.
	if _, err := baseline(dir, disk); err != nil {
		return err
	}
	if _, err := imgpipe(st, dir, disk, "warmup"); err != nil {
		return err
	}
	var base, img []time.Duration
	for i := range runs {
		d, err := baseline(dir, disk)
		if err != nil {
			return err
		}
		base = append(base, d)
		d, err = imgpipe(st, dir, disk, strconv.Itoa(i))
		if err != nil {
			return err
		}
		img = append(img, d)
	}

	own, waited, err := ovaRSS(dir, disk)
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "side\tmedian\tmin\tmax\truns")
	for _, r := range []struct {
		name string
		t    []time.Duration
	}{{"baseline (qemu-img -c + sha256sum)", base}, {"imgpipe convert qcow2 + commit", img}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.name, secs(median(r.t)), secs(slices.Min(r.t)), secs(slices.Max(r.t)), join(r.t))
	}
	tw.Flush()
	fmt.Println()

	ratio := float64(median(img)) / float64(median(base))
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tvalue\ttarget\t")
	fmt.Fprintf(tw, "convert qcow2 / baseline\t%.2f\t<= %.2f\t%s\n", ratio, targetRatio, verdict(ratio <= targetRatio))
	fmt.Fprintf(tw, "ova peak RSS\t%s\t<= %s\t%s\n", mib(own), mib(targetRSS), verdict(own <= targetRSS))
	fmt.Fprintf(tw, "(ova peak RSS incl. waited children)\t%s\t\t\n", mib(waited))
	tw.Flush()

	if check && (ratio > targetRatio || own > targetRSS) {
		return errors.New("a target was missed")
	}
	return nil
}

// makeDisk writes a sparse diskSize file with dataSize bytes of random data
// in extents spread over it.
func makeDisk(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(diskSize); err != nil {
		return err
	}
	rng := rand.New(rand.NewChaCha8([32]byte([]byte("imgpipe convbench disk, seed 1.."))))
	buf := make([]byte, 1<<20)
	per := int64(dataSize / extents)
	for e := range int64(extents) {
		off := e * (diskSize / extents)
		if e > 0 {
			off += 123 << 20 // not at a round offset
		}
		for n := int64(0); n < per; n += int64(len(buf)) {
			for i := 0; i < len(buf); i += 8 {
				v := rng.Uint64()
				for k := range 8 {
					buf[i+k] = byte(v >> (8 * k))
				}
			}
			if _, err := f.WriteAt(buf, off+n); err != nil {
				return err
			}
		}
	}
	return f.Close()
}

// baseline runs qemu-img convert -c and sha256sum, timed together.
func baseline(dir, disk string) (time.Duration, error) {
	out := filepath.Join(dir, "baseline.qcow2")
	os.Remove(out)
	defer os.Remove(out)
	start := time.Now()
	if err := command("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10", disk, out); err != nil {
		return 0, err
	}
	if err := command("sha256sum", out); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func command(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}

// imgpipe runs the convert stage (qcow2) into a pending object and commits
// it, which hashes the outputs; the object is removed afterwards, untimed.
func imgpipe(st *store.Store, dir, disk, tag string) (time.Duration, error) {
	id := "convbench-qcow2-" + tag
	start := time.Now()
	p, err := st.Begin(id, true)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	out, err := runConvert(st, p, id, dir, disk, "qcow2")
	if err != nil {
		p.Abort()
		return 0, err
	}
	r := &store.Result{Kind: convert.Kind.Name, Stage: "bench", Arch: "x86_64", Run: "convbench", Started: t0, Duration: time.Since(t0)}
	if r.Outputs, err = outputsJSON(out); err != nil {
		p.Abort()
		return 0, err
	}
	if err := p.Commit(r); err != nil {
		return 0, err
	}
	d := time.Since(start)
	res, ok, err := st.Lookup(id)
	if err != nil || !ok || len(res.Files) == 0 {
		return 0, fmt.Errorf("object %s not committed (%v)", id, err)
	}
	return d, os.RemoveAll(st.ObjectDir(id))
}

// runConvert runs the convert kind with the given formats on disk.
func runConvert(st *store.Store, p *store.Pending, id, dir, disk string, formats ...string) (kind.Outputs, error) {
	fv := make([]cty.Value, len(formats))
	for i, f := range formats {
		fv[i] = cty.StringVal(f)
	}
	cfg, err := config(map[string]cty.Value{
		"disk":    cty.StringVal(disk),
		"formats": cty.ListVal(fv),
	})
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp(dir, "scratch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	var log bytes.Buffer
	s := &kind.Stage{
		Name:      "bench",
		Kind:      convert.Kind.Name,
		Arch:      "x86_64",
		ID:        id,
		Config:    cfg,
		RecipeDir: dir,
		OutDir:    p.OutDir,
		ObjectDir: st.ObjectDir(id),
		RunID:     "convbench",
		RunDir:    filepath.Join(st.Dir, "runs", "convbench", "x86_64", "bench"),
		Store:     st,
		Scratch:   scratch,
		Build:     kind.Build{Name: "convbench", Version: "1", Release: "1", Arches: []string{"x86_64"}},
		Exec:      executor.Host{},
		Log:       &log,
	}
	out, err := convert.Kind.Run(context.Background(), s)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w\n%s", strings.Join(formats, ","), err, log.String())
	}
	return out, nil
}

// config builds the kind's configuration object: every attribute, the given
// ones set, the others at their default or null, as the engine passes it.
func config(set map[string]cty.Value) (cty.Value, error) {
	attrs := map[string]cty.Value{}
	for _, a := range convert.Kind.Attrs {
		v, ok := set[a.Name]
		switch {
		case ok:
			delete(set, a.Name)
		case a.Default != cty.NilVal:
			v = a.Default
		default:
			v = cty.NullVal(a.Type)
		}
		attrs[a.Name] = v
	}
	for n := range set {
		return cty.NilVal, fmt.Errorf("convert has no attribute %q", n)
	}
	return cty.ObjectVal(attrs), nil
}

func outputsJSON(out kind.Outputs) ([]byte, error) {
	v := cty.ObjectVal(out)
	return ctyjson.Marshal(v, v.Type())
}

// ovaRSS packages the disk as a vsphere-ova in a child process and returns
// its own peak RSS (as it reports it) and the one wait4 gives the parent.
func ovaRSS(dir, disk string) (own, waited int64, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(self, "-ova-child", disk, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("vsphere-ova child: %w\n%s", err, stderr.String())
	}
	if own, err = strconv.ParseInt(strings.TrimSpace(stdout.String()), 10, 64); err != nil {
		return 0, 0, fmt.Errorf("vsphere-ova child printed %q", stdout.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, errors.New("no rusage for the child")
	}
	return own << 10, ru.Maxrss << 10, nil
}

// ovaChildMain packages args[0] as a vsphere-ova in a store under args[1],
// commits it, and prints its own peak RSS in KiB.
func ovaChildMain(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: convbench -ova-child DISK DIR")
	}
	disk, dir := args[0], args[1]
	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		return err
	}
	id := "convbench-vsphere-ova"
	p, err := st.Begin(id, true)
	if err != nil {
		return err
	}
	t0 := time.Now()
	out, err := runConvert(st, p, id, dir, disk, "vsphere-ova")
	if err != nil {
		p.Abort()
		return err
	}
	r := &store.Result{Kind: convert.Kind.Name, Stage: "bench", Arch: "x86_64", Run: "convbench", Started: t0, Duration: time.Since(t0)}
	if r.Outputs, err = outputsJSON(out); err != nil {
		p.Abort()
		return err
	}
	if err := p.Commit(r); err != nil {
		return err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	os.RemoveAll(st.ObjectDir(id))
	_, err = fmt.Fprintln(os.Stdout, ru.Maxrss)
	return err
}

func median(t []time.Duration) time.Duration {
	s := slices.Clone(t)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func join(t []time.Duration) string {
	s := make([]string, len(t))
	for i, d := range t {
		s[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(s, " ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
