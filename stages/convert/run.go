package convert

import (
	"context"
	"errors"
	"fmt"
	"github.com/imgpipe/imgpipe/internal/shquote"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/lines"
	"github.com/imgpipe/imgpipe/stages/convert/internal/rootfs"
)

// parallelFormats bounds how many formats convert at once: each conversion
// reads the whole disk and most use a core or more.
const parallelFormats = 2

type config struct {
	Disk        string            `cty:"disk"`
	Formats     []string          `cty:"formats"`
	OVA         map[string]string `cty:"ova"`
	Factory     map[string]string `cty:"factory"`
	Vagrantfile *string           `cty:"vagrantfile"`
	QCOW2Compat string            `cty:"qcow2_compat"`
}

// job is one run of a convert stage.
type job struct {
	s     *kind.Stage
	cfg   config
	disk  string   // the raw disk, absolute
	file  *os.File // the raw disk, open for reading
	size  int64    // its size, the disk's virtual size
	base  string   // Koji's image name, N-V-R.arch
	work  string   // a private scratch directory
	env   []string
	vfile []byte // the recipe's Vagrantfile, or nil
	logMu sync.Mutex

	rootOnce sync.Once
	root     rootfs.Partition
	rootErr  error
}

// fmtRun is one format being made.
type fmtRun struct {
	name   string
	out    string // the artifact, absolute
	tmp    string // a private directory for intermediate files
	log    *lines.Writer
	params params
}

func run(ctx context.Context, s *kind.Stage, cfg config) (kind.Outputs, error) {
	j := &job{s: s, cfg: cfg}
	b := s.Build
	if b.Release == "" {
		return nil, fmt.Errorf("build %s-%s has no release yet: convert names its files N-V-R.arch as Koji does, so it needs one (set release in the build block, or let the run choose the next free one)", b.Name, b.Version)
	}
	j.base = fmt.Sprintf("%s-%s-%s.%s", b.Name, b.Version, b.Release, s.Arch)
	j.disk = j.cfg.Disk
	if !filepath.IsAbs(j.disk) {
		j.disk = filepath.Join(s.RecipeDir, j.disk)
	}
	f, err := os.Open(j.disk)
	if err != nil {
		return nil, fmt.Errorf("open the disk: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the disk %s is not a regular file", j.disk)
	}
	j.file, j.size = f, fi.Size()
	if j.cfg.Vagrantfile != nil {
		p := *j.cfg.Vagrantfile
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.RecipeDir, p)
		}
		if j.vfile, err = os.ReadFile(p); err != nil {
			return nil, fmt.Errorf("read the vagrantfile: %w", err)
		}
	}
	if j.work, err = os.MkdirTemp(s.Scratch, "convert-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(j.work)
	// PATH as the exec stage gives it, plus the sbin directories; HOME and
	// TMPDIR point into the private scratch directory.
	j.env = []string{
		"PATH=" + os.Getenv("PATH") + ":/usr/sbin:/sbin",
		"HOME=" + j.work,
		"TMPDIR=" + j.work,
		"LC_ALL=C",
	}

	names := dedupe(j.cfg.Formats)
	artifacts := map[string]cty.Value{}
	xmls := map[string]cty.Value{}
	var mu sync.Mutex
	err = parallel(ctx, parallelFormats, names, func(ctx context.Context, name string) error {
		file, xml, err := j.format(ctx, name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		mu.Lock()
		defer mu.Unlock()
		artifacts[name] = cty.StringVal(file)
		if xml != "" {
			xmls[name] = cty.StringVal(xml)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := kind.Outputs{"artifacts": cty.MapValEmpty(cty.String), "libvirt": cty.MapValEmpty(cty.String)}
	if len(artifacts) > 0 {
		out["artifacts"] = cty.MapVal(artifacts)
	}
	if len(xmls) > 0 {
		out["libvirt"] = cty.MapVal(xmls)
	}
	return out, nil
}

// dedupe drops repeated formats (Validate warns about them), keeping order.
func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// parallel calls fn for each name, at most limit at a time. The first error
// cancels the others' context and is returned; errors that follow from that
// cancellation are not.
func parallel(ctx context.Context, limit int, names []string, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	sem := make(chan struct{}, limit)
	for _, name := range names {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			if err := fn(ctx, name); err != nil {
				once.Do(func() { first = err })
				cancel(err)
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}

// format makes one format; it returns the artifact's and the libvirt XML's
// file names, relative to the output directory.
func (j *job) format(ctx context.Context, name string) (string, string, error) {
	spec, ok := formatByName[name]
	if !ok {
		return "", "", fmt.Errorf("unknown format (known: %s)", strings.Join(knownFormats, ", "))
	}
	file := kojifacts.ImageFileName(j.s.Build.Name, j.s.Build.Version, j.s.Build.Release, j.s.Arch, name)
	tmp, err := os.MkdirTemp(j.work, name+"-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	f := &fmtRun{
		name:   name,
		out:    filepath.Join(j.s.OutDir, file),
		tmp:    tmp,
		log:    j.logLines("[" + name + "] "),
		params: newParams(j.cfg.OVA, j.cfg.Factory, name),
	}
	defer f.log.Flush()
	inner, err := spec.build(ctx, j, f)
	if err != nil {
		return "", "", err
	}
	if name == "docker" {
		return file, "", nil // Koji writes no libvirt XML for docker
	}
	d := libvirtDomain{Name: j.base, Arch: j.s.Arch, File: file, Driver: spec.driver}
	if inner != "" {
		d.Warning = fmt.Sprintf("%s is not a disk qemu can use as it is: take %s out of %s first and point the source at it", name, inner, file)
	}
	xml := libvirtXMLName(name, j.s.Arch)
	if err := os.WriteFile(filepath.Join(j.s.OutDir, xml), d.bytes(), 0o644); err != nil {
		return "", "", err
	}
	return file, xml, nil
}

// rootPartition finds the disk's root file system once, for the formats
// that need it.
func (j *job) rootPartition() (rootfs.Partition, error) {
	j.rootOnce.Do(func() {
		j.root, j.rootErr = rootfs.FindRoot(j.file, j.size)
		if j.rootErr == nil {
			j.logf("root file system: %s", j.root)
		}
	})
	return j.root, j.rootErr
}

func (j *job) logf(format string, args ...any) {
	l := j.logLines("")
	fmt.Fprintf(l, format+"\n", args...)
}

// cmd is what a command needs besides its argv.
type cmd struct {
	inputs []string
	outDir string
	dir    string
	stdin  io.Reader
	stdout io.Writer // nil: the log
}

// exec runs argv through the stage's executor, logging the command line
// and its output.
func (j *job) exec(ctx context.Context, f *fmtRun, argv []string, c cmd) error {
	fmt.Fprintf(f.log, "+ %s\n", shquote.Join(argv))
	stdout := c.stdout
	if stdout == nil {
		stdout = f.log
	}
	outDir := c.outDir
	if outDir == "" {
		outDir = f.tmp
	}
	err := j.s.Exec.Run(ctx, executor.Cmd{
		Argv:      argv,
		Env:       j.env,
		Dir:       c.dir,
		Inputs:    c.inputs,
		OutputDir: outDir,
		Stdin:     c.stdin,
		Stdout:    stdout,
		Stderr:    f.log,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	return nil
}

// errFilterDone is what a producer sees when the filter it feeds exits.
var errFilterDone = errors.New("the filter exited before reading all its input")

// filter runs argv (a compressor) with produce's output as its standard
// input and dst as its standard output: a stream, with no copy of the
// uncompressed data on disk.
func (j *job) filter(ctx context.Context, f *fmtRun, argv []string, dst string, inputs []string, produce func(io.Writer) error) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	produced := make(chan error, 1)
	go func() {
		err := produce(pw)
		pw.CloseWithError(err)
		produced <- err
	}()
	runErr := j.exec(ctx, f, argv, cmd{inputs: inputs, outDir: filepath.Dir(dst), stdin: pr, stdout: out})
	pr.CloseWithError(errFilterDone)
	prodErr := <-produced
	closeErr := out.Close()
	switch {
	case prodErr != nil && !errors.Is(prodErr, errFilterDone):
		return prodErr
	case runErr != nil:
		return runErr
	case prodErr != nil:
		return prodErr
	}
	return closeErr
}

// logLines returns a writer that passes each whole line written to it,
// after prefix, to the stage's log, which the formats that run at once
// share. Its pieces leave room for the prefix, so the stage's log does not
// cut them again.
func (j *job) logLines(prefix string) *lines.Writer {
	return lines.NewWriterMax(lines.MaxLine-len(prefix), func(line string) {
		if j.s.Log == nil {
			return
		}
		j.logMu.Lock()
		defer j.logMu.Unlock()
		fmt.Fprintf(j.s.Log, "%s%s\n", prefix, line)
	})
}
