package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/qemu"
	"github.com/imgpipe/imgpipe/stages"
)

// targetRatio is the project's aim for imgpipe/by-hand.
const targetRatio = 1.10

const diskBytes = 256 << 20

func main() {
	def := os.Getenv("IMGPIPE_FIXTURES")
	if def == "" {
		if d, err := os.UserCacheDir(); err == nil {
			def = filepath.Join(d, "imgpipe-fixtures")
		}
	}
	fixturesDir := flag.String("fixtures", def, "fixtures directory (holding tree/<arch>/)")
	runs := flag.Int("runs", 5, "runs of each, interleaved; the medians count")
	check := flag.Bool("check", false, "exit 1 if the target is missed")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	missed, err := run(*fixturesDir, *runs, *keep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmbench:", err)
		os.Exit(1)
	}
	if missed && *check {
		os.Exit(1)
	}
}

func run(fixturesDir string, runs int, keep bool) (bool, error) {
	if runs < 1 {
		return false, errors.New("-runs must be at least 1")
	}
	tree := filepath.Join(fixturesDir, "tree", "x86_64")
	if _, err := os.Stat(tree); err != nil {
		return false, fmt.Errorf("no fixture tree (go tool task fixtures): %w", err)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		return false, err
	}
	tmp, err := os.MkdirTemp("", "vmbench-")
	if err != nil {
		return false, err
	}
	if keep {
		fmt.Println("temporary directory:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	recipeDir := filepath.Join(tmp, "recipe")
	if err := os.Mkdir(recipeDir, 0o755); err != nil {
		return false, err
	}
	if err := os.WriteFile(filepath.Join(recipeDir, "ks.cfg"), []byte(fixtures.E2EKickstart), 0o644); err != nil {
		return false, err
	}
	src := fmt.Sprintf(`build {
  name    = "vmbench"
  version = "1"
  arches  = ["x86_64"]
}
stage "guest-install" "install" {
  kickstart          = "ks.cfg"
  install_tree       = %q
  disk_size          = "256M"
  memory             = "512"
  accel              = "tcg"
  install_timeout    = "15m"
  inactivity_timeout = "120s"
}
`, tree)
	recipePath := filepath.Join(recipeDir, "recipe.hcl")
	if err := os.WriteFile(recipePath, []byte(src), 0o644); err != nil {
		return false, err
	}
	rec := &recorder{keepDir: filepath.Join(tmp, "kept")}
	if err := os.Mkdir(rec.keepDir, 0o755); err != nil {
		return false, err
	}

	n := 0
	imgpipe := func() (time.Duration, error) {
		n++
		storeDir := filepath.Join(tmp, fmt.Sprintf("store%d", n))
		defer os.RemoveAll(storeDir)
		start := time.Now()
		err := runRecipe(recipePath, storeDir, rec)
		return time.Since(start), err
	}

	fmt.Println("warm-up: imgpipe run to record the qemu command (not counted)")
	d, err := imgpipe()
	if err != nil {
		return false, err
	}
	fmt.Printf("  %.1fs\n", d.Seconds())
	argv, err := rec.argv()
	if err != nil {
		return false, err
	}
	fmt.Println("qemu command:", strings.Join(argv, " "))

	byHand := func() (time.Duration, error) {
		return runByHand(argv, tree, tmp, rec.initrd)
	}
	var hand, img []time.Duration
	for i := range runs {
		d, err := byHand()
		if err != nil {
			return false, fmt.Errorf("by hand, run %d: %w", i+1, err)
		}
		hand = append(hand, d)
		fmt.Printf("run %d: by hand  %.1fs\n", i+1, d.Seconds())
		if d, err = imgpipe(); err != nil {
			return false, fmt.Errorf("imgpipe, run %d: %w", i+1, err)
		}
		img = append(img, d)
		fmt.Printf("run %d: imgpipe  %.1fs\n", i+1, d.Seconds())
	}

	mh, mi := median(hand), median(img)
	fmt.Printf("\nguest-install x86_64, TCG, disk 256M, memory 512, median of %d (interleaved)\n\n", runs)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "tool\tmedian\tmin\tmax\t")
	fmt.Fprintf(w, "by hand (qemu)\t%.2fs\t%.2fs\t%.2fs\t\n", mh.Seconds(), slices.Min(hand).Seconds(), slices.Max(hand).Seconds())
	fmt.Fprintf(w, "imgpipe\t%.2fs\t%.2fs\t%.2fs\t\n", mi.Seconds(), slices.Min(img).Seconds(), slices.Max(img).Seconds())
	w.Flush()
	ratio := mi.Seconds() / mh.Seconds()
	status := "ok"
	if ratio > targetRatio {
		status = "MISSED"
	}
	fmt.Printf("\nimgpipe/by-hand  %.3f  (target <= %.2f)  %s\n", ratio, targetRatio, status)
	return status != "ok", nil
}

func runRecipe(path, storeDir string, rec *recorder) error {
	ctx := context.Background()
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r, diags := recipe.Parse(b, path)
	if diags.HasErrors() {
		return fmt.Errorf("parse: %v", diags)
	}
	p, execs, diags := stages.Planner().Prepare(ctx, r, engine.PrepareOptions{
		Executors: map[string]executor.Executor{"host": rec},
	})
	if diags.HasErrors() {
		return fmt.Errorf("prepare: %v", diags)
	}
	st, err := store.Open(storeDir)
	if err != nil {
		return err
	}
	var failures []string
	sum, err := engine.Run(ctx, p, execs, st, engine.RunOptions{
		Jobs: 2,
		Events: events.SinkFunc(func(e events.Event) {
			if e.Type == events.StageFailed {
				failures = append(failures, e.Stage+" ["+e.Arch+"]: "+e.Error)
			}
		}),
	})
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "\n"))
	}
	if err != nil {
		return err
	}
	if sum.Done != 1 {
		return fmt.Errorf("run %s: %d stages done, want 1", sum.Status, sum.Done)
	}
	return nil
}

// recorder is executor.Host that records the first qemu command it runs
// and hard-links (or copies) its -initrd, which the stage removes after.
type recorder struct {
	executor.Host
	keepDir string

	mu     sync.Mutex
	cmd    []string
	initrd string
	err    error
}

func (r *recorder) Run(ctx context.Context, cmd executor.Cmd) error {
	if len(cmd.Argv) > 0 && strings.HasPrefix(filepath.Base(cmd.Argv[0]), "qemu-system-") && slices.Contains(cmd.Argv, "-kernel") {
		r.mu.Lock()
		if r.cmd == nil {
			r.cmd = slices.Clone(cmd.Argv)
			if i := slices.Index(cmd.Argv, "-initrd"); i >= 0 && i+1 < len(cmd.Argv) {
				r.initrd = filepath.Join(r.keepDir, "initrd-ks.img")
				if err := os.Link(cmd.Argv[i+1], r.initrd); err != nil {
					r.err = copyFile(cmd.Argv[i+1], r.initrd)
				}
			}
		}
		r.mu.Unlock()
	}
	return r.Host.Run(ctx, cmd)
}

func (r *recorder) argv() ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if r.cmd == nil {
		return nil, errors.New("the stage ran no qemu command with -kernel")
	}
	return r.cmd, nil
}

var repoRE = regexp.MustCompile(`inst\.repo=http://10\.0\.2\.2:[0-9]+`)

// runByHand runs argv with a fresh disk, the kept initrd, the tree served
// here, and fresh QMP socket and network dump paths, and times it. The
// console goes to a file.
func runByHand(argv []string, tree, tmp, initrd string) (time.Duration, error) {
	dir, err := os.MkdirTemp(tmp, "hand-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	// A short directory: unix socket paths are limited to 108 bytes.
	sockDir, err := os.MkdirTemp("", "vmbench-qmp-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(sockDir)
	disk := filepath.Join(dir, "disk.raw")
	f, err := os.Create(disk)
	if err != nil {
		return 0, err
	}
	if err := f.Truncate(diskBytes); err != nil {
		f.Close()
		return 0, err
	}
	f.Close()

	u, stop, err := qemu.ServeDir(tree)
	if err != nil {
		return 0, err
	}
	defer stop()
	repo := "inst.repo=" + qemu.GuestURL(u)

	a := slices.Clone(argv)
	for i := 1; i < len(a); i++ {
		switch prev := a[i-1]; {
		case prev == "-initrd":
			a[i] = initrd
		case prev == "-append":
			a[i] = repoRE.ReplaceAllString(a[i], repo)
		case prev == "-drive" && strings.Contains(a[i], "id=disk0"):
			a[i] = regexp.MustCompile(`file=[^,]*(,|$)`).ReplaceAllString(a[i], "file="+disk+"$1")
		case prev == "-object" && strings.HasPrefix(a[i], "filter-dump,"):
			a[i] = regexp.MustCompile(`file=[^,]*(,|$)`).ReplaceAllString(a[i], "file="+filepath.Join(dir, "net.pcap")+"$1")
		case prev == "-qmp":
			a[i] = "unix:" + filepath.Join(sockDir, "qmp.sock") + ",server=on,wait=off"
		}
	}
	console, err := os.Create(filepath.Join(dir, "console.log"))
	if err != nil {
		return 0, err
	}
	defer console.Close()
	cmd := exec.Command(a[0], a[1:]...)
	cmd.Dir = dir
	cmd.Stdout = console
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%w: %s", err, stderr.String())
	}
	// An install writes the disk: a sparse disk with nothing allocated
	// means qemu ended before the installer did its work.
	var st syscall.Stat_t
	if err := syscall.Stat(disk, &st); err != nil {
		return d, err
	}
	if st.Blocks*512 < 1<<20 {
		return d, fmt.Errorf("qemu exited after %.1fs but the disk holds %d bytes: no install (console: %s)", d.Seconds(), st.Blocks*512, console.Name())
	}
	return d, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
