package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/internal/version"
	"github.com/imgpipe/imgpipe/kickstart"
)

// Files of a build directory besides metadata.json.
const (
	metadataFile = store.MetadataFile
	sumsFile     = store.SumsFile
	// fragments are data/<arch>.json.
	fragmentDir = "data"
)

// item is one file to publish.
type item struct {
	src string
	// dst is relative to the build directory, with slashes.
	dst    string
	format string
	size   int64
	// sha256 is known up front for store objects (their digests were
	// computed when they were written) and computed by the copy otherwise.
	sha256 string
}

// publication is one architecture's part of a build, being published.
type publication struct {
	st      *store.Store
	s       *kind.Stage
	cfg     *config
	run     string
	dir     string // the build directory
	nvr     string
	key     string
	arch    string
	started time.Time
	log     io.Writer

	images, logs, kickstarts []*item
	part                     *store.ArchMetadata
	// roles of kickstarts, parallel to kickstarts.
	ksMeta []store.BuildKickstart
}

// publishStore publishes one architecture into the store: the build's
// directory (store.BuildDir), or the run's scratch build
// (store.ScratchDir). See doc.go for the protocol.
func publishStore(ctx context.Context, s *kind.Stage, cfg *config, st *store.Store, run string) (string, error) {
	b := s.Build
	if b.Release == "" {
		return "", errors.New("upload: the build has no release; the engine settles it before the run for kinds with UsesRelease")
	}
	p := &publication{
		st: st, s: s, cfg: cfg, run: run,
		nvr:     b.Name + "-" + b.Version + "-" + b.Release,
		key:     s.ReleaseKey,
		arch:    s.Arch,
		started: time.Now().UTC(),
		log:     s.Log,
	}
	if p.log == nil {
		p.log = io.Discard
	}
	if b.Scratch {
		p.dir = st.ScratchDir(scratchUser(), run)
	} else {
		p.dir = st.BuildDir(b.Name, b.Version, b.Release)
	}
	if err := p.prepare(); err != nil {
		return "", err
	}
	upToDate, err := p.checkPublished(ctx)
	if err != nil || upToDate {
		return p.dir, err
	}
	if err := p.place(ctx); err != nil {
		return "", err
	}
	if err := p.recordFingerprints(); err != nil {
		return "", err
	}
	if err := p.writeFragment(); err != nil {
		return "", err
	}
	if err := p.assemble(ctx); err != nil {
		return "", err
	}
	return p.dir, nil
}

// scratchUser is the user a scratch build is filed under.
func scratchUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = fmt.Sprint(os.Getuid())
	}
	return strings.NewReplacer("/", "_", "\\", "_").Replace(name)
}

// prepare decides every file's place in the build and collects what
// metadata.json says about this architecture, reading digests from the
// store objects the files come from.
func (p *publication) prepare() error {
	cfg, b := p.cfg, p.s.Build
	seen := map[string]string{}
	add := func(list *[]*item, src, dst, format string) error {
		if strings.ContainsAny(dst, "\n\\") {
			return fmt.Errorf("cannot publish %q: SHA256SUMS cannot name a file with a newline or backslash", dst)
		}
		if prev, ok := seen[dst]; ok {
			return fmt.Errorf("%s and %s would both be published as %s; give them different names", prev, src, dst)
		}
		seen[dst] = src
		it := &item{src: src, dst: dst, format: format}
		if err := p.digestFromStore(it); err != nil {
			return err
		}
		*list = append(*list, it)
		return nil
	}

	formats := make([]string, 0, len(cfg.Artifacts))
	for f := range cfg.Artifacts {
		formats = append(formats, f)
	}
	slices.Sort(formats)
	for _, f := range formats {
		srcs, err := artifactFiles(p.abs(cfg.Artifacts[f]))
		if err != nil {
			return err
		}
		for _, src := range srcs {
			name := imageFileName(b, p.arch, f, src)
			if err := add(&p.images, src, "images/"+name, f); err != nil {
				return err
			}
		}
	}

	// The kickstarts' passwords are secrets before any log is masked.
	for _, k := range cfg.Kickstarts {
		if b, err := os.ReadFile(p.abs(k)); err == nil {
			_, passwords := kickstart.MaskPasswords(string(b), secret.Marker)
			p.s.Secrets.Add(passwords...)
		}
	}
	for _, l := range cfg.Logs {
		src := p.abs(l)
		info, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("log: %w", err)
		}
		base := "data/logs/" + p.arch + "/"
		if !info.IsDir() {
			masked, err := p.masked(src, false)
			if err != nil {
				return fmt.Errorf("log: %w", err)
			}
			if err := add(&p.logs, masked, base+filepath.Base(src), ""); err != nil {
				return err
			}
			continue
		}
		err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, _ := filepath.Rel(filepath.Dir(src), path)
			masked, err := p.masked(path, false)
			if err != nil {
				return err
			}
			return add(&p.logs, masked, base+filepath.ToSlash(rel), "")
		})
		if err != nil {
			return fmt.Errorf("log: %w", err)
		}
	}

	if err := p.prepareKickstarts(add); err != nil {
		return err
	}

	part := &store.ArchMetadata{Arch: p.arch, Run: p.run, Started: p.started}
	if cfg.InstallTree != nil {
		part.InstallTree = p.treeLocation(*cfg.InstallTree)
	}
	if cfg.Packages != nil {
		pkgs, err := readPackages(p.abs(*cfg.Packages))
		if err != nil {
			return err
		}
		part.Packages = pkgs
	}
	p.part = part
	return nil
}

func (p *publication) prepareKickstarts(add func(*[]*item, string, string, string) error) error {
	cfg := p.cfg
	type ks struct {
		src  string
		meta store.BuildKickstart
	}
	var list []ks
	for i, k := range cfg.Kickstarts {
		src := p.abs(k)
		m := store.BuildKickstart{Role: "kickstart"}
		if len(cfg.Kickstarts) == 2 {
			// The presets pass flatten's original, then its rewrite.
			m.Role = []string{"original", "rewritten"}[i]
		}
		if obj := p.object(src); obj != nil {
			switch out := obj.outputFor(src); {
			case obj.res.Kind == "flatten" && out == "original":
				m.Role = "original"
			case obj.res.Kind == "flatten" && out == "kickstart":
				m.Role = "rewritten"
			case obj.res.Kind == "fetch-ks":
				m.Role = "original"
			}
			if obj.res.Kind == "fetch-ks" {
				m.Revision, _ = obj.outputs()["revision"].(string)
			}
		}
		list = append(list, ks{src, m})
	}
	// Provenance the recipe gives wins; a revision found on a fetch-ks
	// object applies to every kickstart derived from it.
	rev := ""
	for _, k := range list {
		if k.meta.Revision != "" {
			rev = k.meta.Revision
		}
	}
	if cfg.KickstartRevision != nil {
		rev = *cfg.KickstartRevision
	}
	bases := map[string]int{}
	for _, k := range list {
		bases[filepath.Base(k.src)]++
	}
	for _, k := range list {
		name := filepath.Base(k.src)
		if bases[name] > 1 {
			name = k.meta.Role + "-" + name
		}
		masked, err := p.masked(k.src, true)
		if err != nil {
			return fmt.Errorf("kickstart: %w", err)
		}
		if err := add(&p.kickstarts, masked, "data/kickstarts/"+p.arch+"/"+name, ""); err != nil {
			return err
		}
		k.meta.Revision = rev
		if cfg.KickstartURL != nil {
			k.meta.URL = secret.MaskURL(*cfg.KickstartURL)
		}
		p.ksMeta = append(p.ksMeta, k.meta)
	}
	return nil
}

// treeLocation is the install tree as metadata.json records it: a URL as
// it is, a local directory as an absolute path (relative ones are the
// recipe's), so that `imgpipe boot N-V-R` finds it from anywhere.
func (p *publication) treeLocation(tree string) string {
	if strings.Contains(tree, "://") || filepath.IsAbs(tree) {
		return tree
	}
	return filepath.Join(p.s.RecipeDir, tree)
}

// maxMasked bounds the files masked before they are published: a log
// larger than this is published as it is.
const maxMasked = 64 << 20

// masked returns src, or, when it is a text file holding secrets, a copy
// in the run's scratch directory with them masked, to publish in its place
// (docs/decisions/0013-secrets.md): the run's secrets, URL credentials,
// and for a kickstart its passwords. The object in the store keeps the
// original.
func (p *publication) masked(src string, isKickstart bool) (string, error) {
	info, err := os.Stat(src)
	if err != nil || !info.Mode().IsRegular() || info.Size() > maxMasked {
		return src, nil // add reports what is wrong with it
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return src, nil // not text: a screenshot, a disk
	}
	text := string(b)
	if isKickstart {
		text, _ = kickstart.MaskPasswords(text, secret.Marker)
	}
	text = p.s.Secrets.Mask(text)
	if text == string(b) {
		return src, nil
	}
	dir, err := os.MkdirTemp(p.s.Scratch, "masked-")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, filepath.Base(src))
	return dst, os.WriteFile(dst, []byte(text), 0o644)
}

// artifactFiles are the files an artifact names: the file itself, or every
// regular file of a directory, sorted. A directory is how a stage hands over
// files whose names it learns only at run time, such as the ISO or disks
// named after a release the run settles (the Koji presets' chroot stages).
func artifactFiles(src string) ([]string, error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	if !info.IsDir() {
		return []string{src}, nil
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(src, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("artifact: the directory %s holds no file to publish", src)
	}
	return files, nil
}

// imageFileName is an artifact's name in images/: its own name when it
// already carries Koji's N-V-R prefix (convert names its files so, and
// livemedia's ISO is N-arch-V-R.iso), else Koji's name for the format.
// In a build of several architectures the name must also hold the
// architecture, or two of them would publish the same file.
func imageFileName(b kind.Build, arch, format, src string) string {
	base := filepath.Base(src)
	if len(b.Arches) > 1 && !strings.Contains(base, arch) {
		return kojifacts.ImageFileName(b.Name, b.Version, b.Release, arch, format)
	}
	for _, prefix := range []string{
		b.Name + "-" + b.Version + "-" + b.Release,
		b.Name + "-" + arch + "-" + b.Version + "-" + b.Release,
	} {
		if strings.HasPrefix(base, prefix+".") || strings.HasPrefix(base, prefix+"-") {
			return base
		}
	}
	return kojifacts.ImageFileName(b.Name, b.Version, b.Release, arch, format)
}

func (p *publication) abs(path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.s.RecipeDir, path)
	}
	return filepath.Clean(path)
}

// objectRef is the store object a file belongs to.
type objectRef struct {
	res *store.Result
	dir string
	out map[string]any
}

// object returns the store object holding path, or nil.
func (p *publication) object(path string) *objectRef {
	id, ok := p.st.ObjectOf(path)
	if !ok {
		return nil
	}
	res, ok, err := p.st.Lookup(id)
	if err != nil || !ok {
		return nil
	}
	return &objectRef{res: res, dir: p.st.ObjectDir(id)}
}

// outputs returns the object's output values.
func (o *objectRef) outputs() map[string]any {
	if o.out == nil {
		var v struct {
			Value map[string]any `json:"value"`
		}
		json.Unmarshal(o.res.Outputs, &v)
		o.out = v.Value
		if o.out == nil {
			o.out = map[string]any{}
		}
	}
	return o.out
}

// outputFor names the output that is path, or "".
func (o *objectRef) outputFor(path string) string {
	rel, err := filepath.Rel(o.dir, path)
	if err != nil {
		return ""
	}
	for name, v := range o.outputs() {
		if s, ok := v.(string); ok && filepath.Clean(s) == rel {
			return name
		}
	}
	return ""
}

// digestFromStore fills in an item's size and digest from the record of
// the store object holding it: a rerun never re-reads gigabytes. A file
// whose fingerprint is not the one its object recorded is read, and one
// whose bytes are not those recorded is an error: it is never published.
func (p *publication) digestFromStore(it *item) error {
	info, err := os.Stat(it.src)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", it.src)
	}
	it.size = info.Size()
	obj := p.object(it.src)
	if obj == nil {
		return nil
	}
	rel, _ := filepath.Rel(obj.dir, it.src)
	rel = filepath.ToSlash(rel)
	f, ok := obj.res.Files[rel]
	if !ok {
		return nil
	}
	if f.Size == it.size && obj.res.Fingerprints[rel] == store.FingerprintOf(info) {
		it.sha256 = f.SHA256
		return nil
	}
	size, sum, err := hashFile(it.src)
	if err != nil {
		return err
	}
	if size != f.Size || sum != f.SHA256 {
		return fmt.Errorf("%s was changed after its stage made it (sha256 %.12s, recorded %.12s); it is not published: run again, and the run builds the damaged object %.12s again", it.src, sum, f.SHA256, obj.res.ID)
	}
	it.sha256 = f.SHA256
	return nil
}

// all returns every item, images first.
func (p *publication) all() []*item {
	return slices.Concat(p.images, p.logs, p.kickstarts)
}

// hashUnknown computes the digests the store did not know.
func (p *publication) hashUnknown() error {
	for _, it := range p.all() {
		if it.sha256 == "" {
			size, sum, err := hashFile(it.src)
			if err != nil {
				return err
			}
			it.size, it.sha256 = size, sum
		}
	}
	return nil
}

// checkPublished looks at the destination. When metadata.json lists this
// architecture with the same images it is up to date: its files are
// checked against their published digests (checkFiles), those missing or
// damaged are put back from their objects, SHA256SUMS is written again
// from metadata.json if it differs, and nothing else is written. A
// published build with other content for this architecture is an error:
// builds are immutable.
func (p *publication) checkPublished(ctx context.Context) (bool, error) {
	if exists(filepath.Join(p.dir, store.TombstoneFile)) {
		return false, fmt.Errorf("build %s was deleted (%s); its release is not reused: set another release, or leave it unset", p.nvr, filepath.Join(p.dir, store.TombstoneFile))
	}
	if !exists(filepath.Join(p.dir, metadataFile)) {
		return false, nil
	}
	unlock, err := p.st.LockBuild(ctx, p.dir)
	if err != nil {
		return false, err
	}
	defer unlock()
	meta, err := store.ReadMetadata(p.dir)
	if err != nil {
		return false, err
	}
	if meta.ReleaseKey != p.key {
		return false, fmt.Errorf("build %s is already published from other stages (release key %.12s, this run's %.12s); builds are immutable: set another release, or delete it with `imgpipe builds delete %s`", p.nvr, meta.ReleaseKey, p.key, p.nvr)
	}
	prev := meta.Builds[p.arch]
	if prev == nil {
		return false, nil // a can_fail arch that failed before: add it
	}
	if err := p.hashUnknown(); err != nil {
		return false, err
	}
	var images []store.BuildFile
	for _, i := range prev.Images {
		images = append(images, i.BuildFile)
	}
	if diff := diffFiles(images, p.images); diff != "" {
		return false, fmt.Errorf("build %s is already published for %s with other content (%s); builds are immutable: set another release, or delete it with `imgpipe builds delete %s`", p.nvr, p.arch, diff, p.nvr)
	}
	// The same images, so the same release key: records that differ (a
	// kickstart's text whose flattened form did not change, logs) stay as
	// they were published (docs/decisions/0012-releases-follow-content.md).
	if diff := diffFiles(slices.Concat(prev.Logs, kickstartFiles(prev)), slices.Concat(p.logs, p.kickstarts)); diff != "" {
		fmt.Fprintf(p.log, "%s (%s) keeps the records it was published with (%s): the images are the same\n", p.nvr, p.arch, diff)
	}
	repaired, err := p.checkFiles(ctx, prev)
	if err != nil {
		return false, err
	}
	// SHA256SUMS says what metadata.json says; it is never made from the
	// files.
	sums := sha256sums(meta)
	if cur, err := os.ReadFile(filepath.Join(p.dir, sumsFile)); err != nil || !bytes.Equal(cur, sums) {
		fmt.Fprintf(p.log, "%s is missing or does not match metadata.json; writing it again from metadata.json\n", sumsFile)
		if err := writeAtomic(filepath.Join(p.dir, sumsFile), sums); err != nil {
			return false, err
		}
		repaired++
	}
	if repaired > 0 {
		fmt.Fprintf(p.log, "%s (%s) is up to date after repairing %d files: %s\n", p.nvr, p.arch, repaired, p.dir)
	} else {
		fmt.Fprintf(p.log, "%s (%s) is up to date: %s\n", p.nvr, p.arch, p.dir)
	}
	return true, nil
}

// checkFiles checks every file metadata.json lists for this architecture
// against the digest it was published with: a file whose fingerprint is
// the one recorded at publication (data/<arch>.fingerprints.json) is
// intact, any other is read. A missing or damaged file is put back from
// this run's file with the published digest (a store object, verified);
// without one, the build cannot be repaired, and that is an error. It
// returns how many files it put back.
func (p *publication) checkFiles(ctx context.Context, prev *store.ArchMetadata) (int, error) {
	items := map[string]*item{}
	for _, it := range p.all() {
		items[it.dst] = it
	}
	fps := p.readFingerprints()
	changed, repaired := false, 0
	for _, f := range prev.Files() {
		dst := filepath.Join(p.dir, filepath.FromSlash(f.Path))
		it := items[f.Path]
		fp, problem, err := checkFile(dst, f, fps[f.Path])
		if err != nil {
			return repaired, err
		}
		if problem == "" {
			if rec := (publishedFile{f.SHA256, fp}); rec != fps[f.Path] {
				fps[f.Path], changed = rec, true
			}
			if it == nil || !sameFile(it.src, dst) {
				continue
			}
			// Published by an imgpipe that hard-linked: one inode with
			// the object, so a write into either is a write into both.
			fmt.Fprintf(p.log, "%s is a hard link to %s; replacing it with a copy\n", f.Path, it.src)
		} else {
			if it == nil || it.sha256 != f.SHA256 {
				return repaired, fmt.Errorf("build %s is damaged: %s %s, and this run has no file with its published content to put back; builds are immutable: delete it with `imgpipe builds delete %s` and run again", p.nvr, f.Path, problem, p.nvr)
			}
			fmt.Fprintf(p.log, "%s %s; publishing it again from %s\n", f.Path, problem, it.src)
			repaired++
		}
		if err := p.restore(ctx, it); err != nil {
			return repaired, err
		}
		info, err := os.Stat(dst)
		if err != nil {
			return repaired, err
		}
		fps[f.Path], changed = publishedFile{f.SHA256, store.FingerprintOf(info)}, true
	}
	if changed {
		if err := p.writeFingerprints(fps); err != nil {
			return repaired, err
		}
	}
	return repaired, nil
}

// checkFile compares a published file with its record: it returns its
// fingerprint (taken before reading it) and what is wrong with it, or "".
// A file whose fingerprint is the one recorded with its digest is not
// read.
func checkFile(path string, f store.BuildFile, recorded publishedFile) (store.Fingerprint, string, error) {
	info, err := os.Stat(path)
	if notExist(err) {
		return store.Fingerprint{}, "is missing", nil
	}
	if err != nil {
		return store.Fingerprint{}, "", err
	}
	fp := store.FingerprintOf(info)
	if !info.Mode().IsRegular() {
		return fp, "is not a regular file", nil
	}
	if info.Size() != f.Size {
		return fp, fmt.Sprintf("is %d bytes, published %d", info.Size(), f.Size), nil
	}
	if recorded == (publishedFile{f.SHA256, fp}) {
		return fp, "", nil
	}
	_, sum, err := hashFile(path)
	if err != nil {
		return fp, "", err
	}
	if sum != f.SHA256 {
		return fp, fmt.Sprintf("has sha256 %.12s, published %.12s (SHA256SUMS)", sum, f.SHA256), nil
	}
	return fp, "", nil
}

// restore publishes an item again and checks that the copy has its
// digest: a repair never publishes other bytes.
func (p *publication) restore(ctx context.Context, it *item) error {
	dst := filepath.Join(p.dir, filepath.FromSlash(it.dst))
	if _, err := placeFile(ctx, it.src, dst, p.tmpPrefix(), false); err != nil {
		return fmt.Errorf("publish %s again: %w", it.dst, err)
	}
	_, sum, err := hashFile(dst)
	if err != nil {
		return err
	}
	if sum != it.sha256 {
		os.Remove(dst)
		return fmt.Errorf("publish %s again: its copy of %s has sha256 %.12s, not the published %.12s; delete the build with `imgpipe builds delete %s` and run again", it.dst, it.src, sum, it.sha256, p.nvr)
	}
	return nil
}

// fingerprintsPath is data/<arch>.fingerprints.json: this architecture's
// published files, by path, each with the digest it was published with
// and its fingerprint, taken then; so that checking the build reads only
// the files whose fingerprint changed. It is not part of the build (not
// in SHA256SUMS or metadata.json): without it, every file is read.
func (p *publication) fingerprintsPath() string {
	return filepath.Join(p.dir, fragmentDir, p.arch+".fingerprints.json")
}

// publishedFile is a file of data/<arch>.fingerprints.json.
type publishedFile struct {
	SHA256 string `json:"sha256"`
	store.Fingerprint
}

func (p *publication) readFingerprints() map[string]publishedFile {
	fps := map[string]publishedFile{}
	if b, err := os.ReadFile(p.fingerprintsPath()); err == nil {
		json.Unmarshal(b, &fps)
	}
	return fps
}

func (p *publication) writeFingerprints(fps map[string]publishedFile) error {
	b, err := json.MarshalIndent(fps, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(p.fingerprintsPath(), append(b, '\n'))
}

// recordFingerprints records the fingerprints of the files place put in
// place.
func (p *publication) recordFingerprints() error {
	fps := map[string]publishedFile{}
	for _, it := range p.all() {
		info, err := os.Stat(filepath.Join(p.dir, filepath.FromSlash(it.dst)))
		if err != nil {
			return err
		}
		fps[it.dst] = publishedFile{it.sha256, store.FingerprintOf(info)}
	}
	return p.writeFingerprints(fps)
}

// kickstartFiles are the published kickstarts' files.
func kickstartFiles(a *store.ArchMetadata) []store.BuildFile {
	var files []store.BuildFile
	for _, k := range a.Kickstarts {
		files = append(files, k.BuildFile)
	}
	return files
}

// diffFiles describes how the published files differ from the items, or
// returns "".
func diffFiles(published []store.BuildFile, items []*item) string {
	want := map[string]store.BuildFile{}
	for _, f := range published {
		want[f.Path] = f
	}
	for _, it := range items {
		f, ok := want[it.dst]
		switch {
		case !ok:
			return it.dst + " is new"
		case f.SHA256 != it.sha256 || f.Size != it.size:
			return it.dst + " differs"
		}
		delete(want, it.dst)
	}
	for path := range want {
		return path + " is gone"
	}
	return ""
}

// tmpPrefix marks this architecture's temporary files in the build
// directory.
func (p *publication) tmpPrefix() string { return ".tmp-" + p.arch + "-" }

// place copies every file into the build directory. This architecture's
// fragment goes first, so a fragment never describes files that are
// being replaced.
func (p *publication) place(ctx context.Context) error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	if err := os.Remove(p.fragmentPath()); err != nil && !notExist(err) {
		return err
	}
	p.removeStaleTemps()
	// Files an earlier run of this architecture published with these
	// digests and nothing changed since are kept (a run that failed before
	// metadata.json).
	fps := p.readFingerprints()
	for _, it := range p.all() {
		if rec, ok := fps[it.dst]; ok && it.sha256 != "" && rec.SHA256 == it.sha256 {
			if info, err := os.Stat(filepath.Join(p.dir, filepath.FromSlash(it.dst))); err == nil && store.FingerprintOf(info) == rec.Fingerprint {
				continue
			}
		}
		if err := p.placeOne(ctx, it); err != nil {
			return fmt.Errorf("publish %s: %w", it.dst, err)
		}
	}
	return nil
}

// placeOne puts a copy of one file in place, and fills in its digest if
// it was not known.
func (p *publication) placeOne(ctx context.Context, it *item) error {
	dst := filepath.Join(p.dir, filepath.FromSlash(it.dst))
	sum, err := placeFile(ctx, it.src, dst, p.tmpPrefix(), it.sha256 == "")
	if err != nil {
		return err
	}
	if sum != "" {
		it.sha256 = sum
	}
	if it.sha256 == "" {
		size, sum, err := hashFile(dst)
		if err != nil {
			return err
		}
		it.size, it.sha256 = size, sum
		return nil
	}
	info, err := os.Stat(dst)
	if err != nil {
		return err
	}
	if info.Size() != it.size {
		return fmt.Errorf("%s changed while it was published", it.src)
	}
	return nil
}

// removeStaleTemps removes temporary files a killed upload of this
// architecture left behind.
func (p *publication) removeStaleTemps() {
	filepath.WalkDir(p.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), p.tmpPrefix()) {
			os.Remove(path)
		}
		return nil
	})
}

func (p *publication) fragmentPath() string {
	return filepath.Join(p.dir, fragmentDir, p.arch+".json")
}

// writeFragment writes data/<arch>.json, this architecture's part.
func (p *publication) writeFragment() error {
	part := p.part
	toFile := func(it *item) store.BuildFile {
		return store.BuildFile{Path: it.dst, Size: it.size, SHA256: it.sha256}
	}
	part.Images, part.Logs, part.Kickstarts = []store.BuildImage{}, []store.BuildFile{}, []store.BuildKickstart{}
	for _, it := range p.images {
		part.Images = append(part.Images, store.BuildImage{BuildFile: toFile(it), Format: it.format})
	}
	for _, it := range p.logs {
		part.Logs = append(part.Logs, toFile(it))
	}
	for i, it := range p.kickstarts {
		k := p.ksMeta[i]
		k.BuildFile = toFile(it)
		part.Kickstarts = append(part.Kickstarts, k)
	}
	part.Finished = time.Now().UTC()
	part.Stages = p.stageRecords(part.Finished)
	b, err := json.MarshalIndent(fragment{SchemaVersion: store.MetadataVersion, NVR: p.nvr, ReleaseKey: p.key, Arch: part}, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(p.fragmentPath(), append(b, '\n'))
}

// stageRecords lists the stages whose objects are published, and the
// upload itself.
func (p *publication) stageRecords(finished time.Time) []store.BuildStage {
	var recs []store.BuildStage
	seen := map[string]bool{}
	paths := []string{}
	for _, it := range p.all() {
		paths = append(paths, it.src)
	}
	if p.cfg.Packages != nil {
		paths = append(paths, p.abs(*p.cfg.Packages))
	}
	for _, path := range paths {
		obj := p.object(path)
		if obj == nil || seen[obj.res.ID] {
			continue
		}
		seen[obj.res.ID] = true
		r := obj.res
		recs = append(recs, store.BuildStage{Name: r.Stage, Kind: r.Kind, ID: r.ID, Arch: r.Arch, Run: r.Run, Started: r.Started, Duration: r.Duration})
	}
	slices.SortStableFunc(recs, func(a, b store.BuildStage) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return append(recs, store.BuildStage{
		Name: p.s.Name, Kind: p.s.Kind, ID: p.s.ID, Arch: p.arch, Run: p.run,
		Started: p.started, Duration: finished.Sub(p.started),
	})
}

// assemble writes SHA256SUMS and then metadata.json from the fragments of
// this release key, once every required architecture has one. Under the
// build's lock, so that of two architectures finishing together one
// writes a metadata.json that lists both.
func (p *publication) assemble(ctx context.Context) error {
	unlock, err := p.st.LockBuild(ctx, p.dir)
	if err != nil {
		return err
	}
	defer unlock()
	b := p.s.Build
	var old *store.BuildMetadata
	if exists(filepath.Join(p.dir, metadataFile)) {
		if old, err = store.ReadMetadata(p.dir); err != nil {
			return err
		}
	}
	parts := map[string]*store.ArchMetadata{}
	if old != nil && old.ReleaseKey == p.key {
		for a, part := range old.Builds {
			parts[a] = part
		}
	}
	arches := slices.Clone(b.Arches)
	if !slices.Contains(arches, p.arch) {
		arches = append(arches, p.arch)
	}
	for _, a := range arches {
		var f fragment
		raw, err := os.ReadFile(filepath.Join(p.dir, fragmentDir, a+".json"))
		if err != nil || json.Unmarshal(raw, &f) != nil || f.NVR != p.nvr || f.ReleaseKey != p.key || f.Arch == nil || f.Arch.Arch != a {
			continue
		}
		if bad := p.checkPart(f.Arch); bad != "" {
			fmt.Fprintf(p.log, "ignoring %s's part: %s\n", a, bad)
			continue
		}
		parts[a] = f.Arch
	}
	var missing []string
	for _, a := range b.Arches {
		if b.Required(a) && parts[a] == nil {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(p.log, "published %s's part of %s; metadata.json waits for %s\n", p.arch, p.nvr, strings.Join(missing, ", "))
		return nil
	}
	if old != nil && sameParts(old.Builds, parts) {
		// Another architecture finishing at the same time assembled
		// metadata.json with this one's part already.
		fmt.Fprintf(p.log, "published %s (%s): %s\n", p.nvr, strings.Join(old.Arches, ", "), p.dir)
		return nil
	}
	now := time.Now().UTC()
	meta := &store.BuildMetadata{
		SchemaVersion: store.MetadataVersion,
		Name:          b.Name, Version: b.Version, Release: b.Release, NVR: p.nvr,
		Scratch:    b.Scratch,
		ReleaseKey: p.key,
		Created:    now, Updated: now,
		Imgpipe: version.Full(),
		Builds:  parts,
	}
	if old != nil && !old.Created.IsZero() {
		meta.Created = old.Created
	}
	for a := range parts {
		meta.Arches = append(meta.Arches, a)
	}
	slices.Sort(meta.Arches)
	if err := writeAtomic(filepath.Join(p.dir, sumsFile), sha256sums(meta)); err != nil {
		return err
	}
	if beforeAssemble != nil {
		if err := beforeAssemble(); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(p.dir, metadataFile), append(data, '\n')); err != nil {
		return err
	}
	os.Remove(filepath.Join(p.dir, store.ReservationFile))
	verb := "published"
	if old != nil {
		verb = "added " + p.arch + " to"
	}
	fmt.Fprintf(p.log, "%s %s (%s): %s\n", verb, p.nvr, strings.Join(meta.Arches, ", "), p.dir)
	return nil
}

// sameParts reports whether two sets of parts are the same.
func sameParts(a, b map[string]*store.ArchMetadata) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// checkPart checks that a fragment's files are in place, by size.
func (p *publication) checkPart(part *store.ArchMetadata) string {
	for _, f := range part.Files() {
		info, err := os.Stat(filepath.Join(p.dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return f.Path + " is missing"
		}
		if info.Size() != f.Size {
			return f.Path + " has the wrong size"
		}
	}
	return ""
}

// sha256sums is SHA256SUMS: every published file, in sha256sum's format,
// paths relative to the build directory, sorted.
func sha256sums(m *store.BuildMetadata) []byte {
	var lines []string
	for _, part := range m.Builds {
		for _, f := range part.Files() {
			lines = append(lines, f.SHA256+"  "+f.Path+"\n")
		}
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return []byte(strings.Join(lines, ""))
}
