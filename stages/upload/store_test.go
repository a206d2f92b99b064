package upload_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
	"github.com/imgpipe/imgpipe/stages/upload"
)

// TestPublishTwoArches publishes x86_64 and aarch64 into one build: the
// first leaves no metadata.json (aarch64 is required), the second writes
// it listing both. Everything metadata.json says is checked against the
// files and sha256sum.
func TestPublishTwoArches(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64", "aarch64")
	e.reserve(b)
	dir := e.st.BuildDir(b.Name, b.Version, b.Release)
	fx := e.images(b, "x86_64", "")
	fa := e.images(b, "aarch64", "")

	s, log := e.stage(b, "x86_64", fx, "")
	if loc := runStage(t, s); loc != dir {
		t.Errorf("location %q, want %q", loc, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "metadata.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("metadata.json after one of two required arches: %v", err)
	}
	if !strings.Contains(log.String(), "metadata.json waits for aarch64") {
		t.Errorf("log does not say it waits for aarch64:\n%s", log)
	}
	if recs, _ := e.st.Builds(b.Name, b.Version); len(recs) != 1 || recs[0].State != store.BuildReserved {
		t.Errorf("builds before the last arch: %+v, want one reserved", recs)
	}

	s, log = e.stage(b, "aarch64", fa, "")
	runStage(t, s)
	if !strings.Contains(log.String(), "published fedora-cloud-41-1 (aarch64, x86_64)") {
		t.Errorf("log:\n%s", log)
	}
	m := readMeta(t, dir)
	validateMetadata(t, filepath.Join(dir, "metadata.json"))
	if !slices.Equal(m.Arches, []string{"aarch64", "x86_64"}) {
		t.Errorf("arches %v", m.Arches)
	}
	if m.NVR != "fedora-cloud-41-1" || m.ReleaseKey != testKey || m.Scratch {
		t.Errorf("metadata: %+v", m)
	}
	recs, _ := e.st.Builds(b.Name, b.Version)
	if len(recs) != 1 || recs[0].State != store.BuildPublished || recs[0].Key != testKey {
		t.Errorf("builds: %+v, want one published with the key", recs)
	}
	if _, err := os.Stat(filepath.Join(dir, store.ReservationFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("reservation.json left in a published build: %v", err)
	}

	sha256sumCheck(t, dir)
	sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	var listed []string
	for line := range strings.Lines(string(sums)) {
		listed = append(listed, strings.TrimSpace(line[66:]))
	}
	if !slices.IsSorted(listed) {
		t.Errorf("SHA256SUMS is not sorted:\n%s", sums)
	}

	for _, arch := range []string{"x86_64", "aarch64"} {
		part := m.Builds[arch]
		fix := map[string]fixture{"x86_64": fx, "aarch64": fa}[arch]
		var images []string
		for _, img := range part.Images {
			images = append(images, img.Path)
		}
		want := []string{"images/fedora-cloud-41-1." + arch + ".qcow2", "images/fedora-cloud-41-1." + arch + ".raw"}
		if !slices.Equal(images, want) {
			t.Errorf("%s images %v, want %v", arch, images, want)
		}
		for _, f := range part.Files() {
			path := filepath.Join(dir, f.Path)
			if got := sha256sum(t, path); got != f.SHA256 {
				t.Errorf("%s: metadata sha256 %s, sha256sum %s", f.Path, f.SHA256, got)
			}
			if id := statID(t, path); id.size != f.Size {
				t.Errorf("%s: metadata size %d, file %d", f.Path, f.Size, id.size)
			}
			if !slices.Contains(listed, f.Path) {
				t.Errorf("%s is not in SHA256SUMS", f.Path)
			}
		}
		// Images are read-only copies of the store's objects, never hard
		// links: a write into one must not be a write into the other.
		for format, src := range fix.artifacts {
			dst := filepath.Join(dir, "images", filepath.Base(src))
			if statID(t, src).ino == statID(t, dst).ino {
				t.Errorf("%s (%s) is a hard link to its object", dst, format)
			}
			if info, err := os.Stat(dst); err != nil || info.Mode().Perm() != 0o444 {
				t.Errorf("%s (%s) is not read-only: %v %v", dst, format, info.Mode(), err)
			}
		}
		if len(part.Packages) != 3 || part.Packages[2].Name != "shadow-utils" || part.Packages[2].Epoch == nil || *part.Packages[2].Epoch != 2 || part.Packages[0].Epoch != nil {
			t.Errorf("%s packages %+v", arch, part.Packages)
		}
		var ks []string
		for _, k := range part.Kickstarts {
			ks = append(ks, k.Role+" "+k.Path+" "+k.Revision)
		}
		wantKS := []string{
			"original data/kickstarts/" + arch + "/original-fedora-cloud.ks ",
			"rewritten data/kickstarts/" + arch + "/rewritten-fedora-cloud.ks ",
		}
		if !slices.Equal(ks, wantKS) {
			t.Errorf("%s kickstarts:\n%q\nwant\n%q", arch, ks, wantKS)
		}
		var logs []string
		for _, l := range part.Logs {
			logs = append(logs, l.Path)
		}
		if want := []string{"data/logs/" + arch + "/console.log", "data/logs/" + arch + "/convert.log"}; !slices.Equal(logs, want) {
			t.Errorf("%s logs %v, want %v", arch, logs, want)
		}
		var kinds []string
		for _, st := range part.Stages {
			kinds = append(kinds, st.Kind)
			if len(st.ID) != 64 {
				t.Errorf("stage %s has ID %q", st.Name, st.ID)
			}
		}
		slices.Sort(kinds)
		if want := []string{"boot-verify", "convert", "flatten", "upload"}; !slices.Equal(kinds, want) {
			t.Errorf("%s stages %v, want %v", arch, kinds, want)
		}
		if part.Finished.Before(part.Started) || part.Run != e.run {
			t.Errorf("%s timings/run: %+v", arch, part)
		}
	}
	// The raw disk stays sparse in the build (a reflink, or a sparse copy).
	if blocks := diskBlocks(t, filepath.Join(dir, "images/fedora-cloud-41-1.x86_64.raw")); blocks*512 > 4<<20 {
		t.Errorf("raw image uses %d bytes on disk, want it sparse", blocks*512)
	}
}

// TestPublishConcurrentArches runs both arches at once: whichever finishes
// last writes metadata.json, and it lists both.
func TestPublishConcurrentArches(t *testing.T) {
	for i := range 3 {
		e := newEnv(t)
		b := testBuild("x86_64", "aarch64", "ppc64le")
		e.reserve(b)
		var wg sync.WaitGroup
		for _, arch := range b.Arches {
			s, _ := e.stage(b, arch, e.images(b, arch, ""), "")
			wg.Go(func() { runStage(t, s) })
		}
		wg.Wait()
		m := readMeta(t, e.st.BuildDir(b.Name, b.Version, b.Release))
		if !slices.Equal(m.Arches, []string{"aarch64", "ppc64le", "x86_64"}) {
			t.Fatalf("round %d: arches %v", i, m.Arches)
		}
		sha256sumCheck(t, e.st.BuildDir(b.Name, b.Version, b.Release))
	}
}

// TestPublishTwiceUpToDate: a second run finds the build up to date and
// writes nothing; a file that went missing is put back.
func TestPublishTwiceUpToDate(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	before := tree(t, dir)
	if _, ok := before["metadata.json"]; !ok {
		t.Fatal("no metadata.json")
	}

	time.Sleep(10 * time.Millisecond) // so that a rewrite would show in mtimes
	e2 := openEnv(t, e.st.Dir)        // a second run on the same store
	s, log := e2.stage(b, "x86_64", fx, "")
	runStage(t, s)
	if !strings.Contains(log.String(), "fedora-cloud-41-1 (x86_64) is up to date") {
		t.Errorf("second run's log:\n%s", log)
	}
	if after := tree(t, dir); !maps.Equal(before, after) {
		t.Errorf("second run changed the build:\nbefore %v\nafter  %v", before, after)
	}

	// A damaged build is repaired from the objects; metadata.json stays.
	qcow2 := filepath.Join(dir, "images/fedora-cloud-41-1.x86_64.qcow2")
	os.Remove(qcow2)
	os.Remove(filepath.Join(dir, "SHA256SUMS"))
	s, log = e2.stage(b, "x86_64", fx, "")
	runStage(t, s)
	if !strings.Contains(log.String(), "up to date after repairing 2 files") {
		t.Errorf("log:\n%s", log)
	}
	after := tree(t, dir)
	if after["metadata.json"] != before["metadata.json"] || after["images/fedora-cloud-41-1.x86_64.raw"] != before["images/fedora-cloud-41-1.x86_64.raw"] {
		t.Errorf("repair changed more than the missing files: before %v\nafter %v", before, after)
	}
	sha256sumCheck(t, dir)
}

// TestPublishImmutable: the same release with other content is refused.
func TestPublishImmutable(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	s, _ := e.stage(b, "x86_64", e.images(b, "x86_64", ""), "")
	dir := runStage(t, s)
	before := tree(t, dir)
	s, _ = e.stage(b, "x86_64", e.images(b, "x86_64", "changed"), "")
	_, err := upload.Kind.Run(t.Context(), s)
	if err == nil || !strings.Contains(err.Error(), "already published for x86_64 with other content") || !strings.Contains(err.Error(), "imgpipe builds delete fedora-cloud-41-1") {
		t.Errorf("err = %v", err)
	}
	if after := tree(t, dir); !maps.Equal(before, after) {
		t.Error("a refused upload changed the build")
	}
	// Another release key: refused too.
	s, _ = e.stage(b, "x86_64", e.images(b, "x86_64", ""), "")
	s.ReleaseKey = strings.Repeat("b", 64)
	if _, err := upload.Kind.Run(t.Context(), s); err == nil || !strings.Contains(err.Error(), "already published from other stages") {
		t.Errorf("err = %v", err)
	}
}

// TestPublishedRecordsKept: a rerun with the same images and release key
// whose records differ (a kickstart comment that flattened away) leaves
// the build as it was published, and says so.
func TestPublishedRecordsKept(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	before := tree(t, dir)

	edited := filepath.Join(t.TempDir(), "fedora-cloud.ks")
	if err := os.WriteFile(edited, []byte("# a comment\ntext\nreboot\nrootpw --lock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.kickstarts = []string{edited, fx.kickstarts[1]}
	s, log := e.stage(b, "x86_64", fx, "")
	runStage(t, s)
	if !strings.Contains(log.String(), "keeps the records it was published with (data/kickstarts/x86_64/") {
		t.Errorf("log:\n%s", log)
	}
	if after := tree(t, dir); !maps.Equal(before, after) {
		t.Errorf("the rerun changed the build:\nbefore %v\nafter  %v", before, after)
	}
	sha256sumCheck(t, dir)
}

// TestCanFailArchMissing: a can_fail arch that never publishes does not
// hold the build back; when it publishes later it is added.
func TestCanFailArchMissing(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64", "aarch64")
	b.CanFail = []string{"aarch64"}
	e.reserve(b)
	s, _ := e.stage(b, "x86_64", e.images(b, "x86_64", ""), "")
	dir := runStage(t, s)
	m := readMeta(t, dir)
	if !slices.Equal(m.Arches, []string{"x86_64"}) || m.Builds["aarch64"] != nil {
		t.Fatalf("arches %v", m.Arches)
	}
	validateMetadata(t, filepath.Join(dir, "metadata.json"))
	sha256sumCheck(t, dir)

	// A later run (up to date for x86_64) where aarch64 succeeds.
	e2 := openEnv(t, e.st.Dir)
	s, log := e2.stage(b, "aarch64", e2.images(b, "aarch64", ""), "")
	runStage(t, s)
	if !strings.Contains(log.String(), "added aarch64 to fedora-cloud-41-1 (aarch64, x86_64)") {
		t.Errorf("log:\n%s", log)
	}
	m2 := readMeta(t, dir)
	if !slices.Equal(m2.Arches, []string{"aarch64", "x86_64"}) || !m2.Created.Equal(m.Created) || !m2.Updated.After(m.Updated) {
		t.Errorf("after adding aarch64: arches %v created %v→%v updated %v→%v", m2.Arches, m.Created, m2.Created, m.Updated, m2.Updated)
	}
	validateMetadata(t, filepath.Join(dir, "metadata.json"))
	sha256sumCheck(t, dir)
}

// TestCancelledCopyLeavesNoBuild cancels the upload in the middle of
// copying a large sparse image (links disabled, as across file systems):
// no metadata.json, no half-written image under its name, no temporary
// file. The next run publishes the whole build.
func TestCancelledCopyLeavesNoBuild(t *testing.T) {
	*upload.NoLink = true
	t.Cleanup(func() { *upload.NoLink = false; *upload.CopyProgress = nil })
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	dir := e.st.BuildDir(b.Name, b.Version, b.Release)
	big := e.object("convert", "images", "x86_64", map[string]fileContent{
		"fedora-cloud-41-1.x86_64.raw": {data: pseudoRandom("big", 8<<20), size: 96 << 20},
	}, nil)
	fx := fixture{artifacts: map[string]string{"raw": filepath.Join(big, "fedora-cloud-41-1.x86_64.raw")}}

	ctx, cancel := context.WithCancelCause(t.Context())
	*upload.CopyProgress = func(dst string, written int64) {
		if written >= 4<<20 {
			cancel(errors.New("killed mid-copy"))
		}
	}
	s, _ := e.stage(b, "x86_64", fx, "")
	_, err := upload.Kind.Run(ctx, s)
	if err == nil || !strings.Contains(err.Error(), "killed mid-copy") {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	left := tree(t, dir)
	for name := range left {
		if name != store.ReservationFile {
			t.Errorf("left behind: %s", name)
		}
	}
	if recs, _ := e.st.Builds(b.Name, b.Version); len(recs) != 1 || recs[0].State != store.BuildReserved {
		t.Errorf("builds: %+v", recs)
	}

	*upload.CopyProgress = nil
	s, _ = e.stage(b, "x86_64", fx, "")
	runStage(t, s)
	out := sha256sumCheck(t, dir)
	if !strings.Contains(out, "images/fedora-cloud-41-1.x86_64.raw: OK") {
		t.Errorf("sha256sum -c:\n%s", out)
	}
	// The copy keeps the holes.
	if blocks := diskBlocks(t, filepath.Join(dir, "images/fedora-cloud-41-1.x86_64.raw")); blocks*512 > 24<<20 {
		t.Errorf("copied raw uses %d bytes on disk, want it sparse", blocks*512)
	}
}

// TestFailureBeforeMetadata: a failure after the files and SHA256SUMS but
// before metadata.json leaves no build; the next run completes it, keeping
// the files it finds.
func TestFailureBeforeMetadata(t *testing.T) {
	t.Cleanup(func() { *upload.BeforeAssemble = nil })
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	dir := e.st.BuildDir(b.Name, b.Version, b.Release)
	fx := e.images(b, "x86_64", "")
	*upload.BeforeAssemble = func() error { return errors.New("injected failure") }
	s, _ := e.stage(b, "x86_64", fx, "")
	if _, err := upload.Kind.Run(t.Context(), s); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "metadata.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("metadata.json after a failed upload: %v", err)
	}
	before := tree(t, dir)
	*upload.BeforeAssemble = nil
	s, _ = e.stage(b, "x86_64", fx, "")
	runStage(t, s)
	after := tree(t, dir)
	img := "images/fedora-cloud-41-1.x86_64.qcow2"
	if before[img].ino != after[img].ino {
		t.Error("the second run replaced an image that was already in place")
	}
	sha256sumCheck(t, dir)
}

// TestKilledProcessLeavesNoBuild kills a process with SIGKILL while it
// copies an image into the build: the build does not exist, and the next
// run publishes it whole.
func TestKilledProcessLeavesNoBuild(t *testing.T) {
	if dir := os.Getenv("UPLOAD_HELPER_STORE"); dir != "" {
		helperPublish(t, dir)
		return
	}
	storeDir := t.TempDir()
	marker := filepath.Join(t.TempDir(), "copying")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledProcessLeavesNoBuild$", "-test.v")
	// The killed helper cannot remove its own temporary directories: they
	// go under this test's, which the test removes.
	cmd.Env = append(os.Environ(), "UPLOAD_HELPER_STORE="+storeDir, "UPLOAD_HELPER_MARKER="+marker, "TMPDIR="+t.TempDir())
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !exists(marker) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the helper never started copying:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()

	e := openEnv(t, storeDir)
	b := testBuild("x86_64")
	dir := e.st.BuildDir(b.Name, b.Version, b.Release)
	if exists(filepath.Join(dir, "metadata.json")) {
		t.Fatal("metadata.json after the publishing process was killed")
	}
	if recs, _ := e.st.Builds(b.Name, b.Version); len(recs) != 1 || recs[0].State != store.BuildReserved || e.st.Active(b.Name, b.Version, b.Release) {
		t.Fatalf("builds after the kill: %+v", recs)
	}
	temps := 0
	for name := range tree(t, dir) {
		if strings.HasPrefix(filepath.Base(name), ".tmp-x86_64-") {
			temps++
		}
	}
	if temps != 1 {
		t.Fatalf("want the killed copy's temporary file in the build directory, found %d: %v", temps, tree(t, dir))
	}
	// The next run takes over the dead run's reservation and publishes.
	e.reserve(b)
	s, _ := e.stage(b, "x86_64", helperFixture(e, b), "")
	runStage(t, s)
	sha256sumCheck(t, dir)
	for name := range tree(t, dir) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("temporary file left: %s", name)
		}
	}
}

func helperFixture(e *env, b kind.Build) fixture {
	obj := e.object("convert", "images", "x86_64", map[string]fileContent{
		"fedora-cloud-41-1.x86_64.raw": {data: pseudoRandom("killed", 4<<20), size: 64 << 20},
	}, nil)
	return fixture{artifacts: map[string]string{"raw": filepath.Join(obj, "fedora-cloud-41-1.x86_64.raw")}}
}

// helperPublish is the process TestKilledProcessLeavesNoBuild kills: it
// publishes, copying, and stops in the middle of the copy.
func helperPublish(t *testing.T, dir string) {
	*upload.NoLink = true
	*upload.CopyProgress = func(string, int64) {
		os.WriteFile(os.Getenv("UPLOAD_HELPER_MARKER"), nil, 0o644)
		time.Sleep(time.Hour)
	}
	e := openEnv(t, dir)
	b := testBuild("x86_64")
	e.reserve(b)
	s, _ := e.stage(b, "x86_64", helperFixture(e, b), "")
	upload.Kind.Run(t.Context(), s)
	t.Fatal("the copy finished; it should have been killed")
}

// TestScratch publishes a scratch build under scratch/<user>/<run>/.
func TestScratch(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	b.Scratch = true
	s, _ := e.stage(b, "x86_64", e.images(b, "x86_64", ""), "")
	dir := runStage(t, s)
	if user := filepath.Base(filepath.Dir(dir)); dir != e.st.ScratchDir(user, e.run) {
		t.Errorf("scratch build in %s, want scratch/<user>/%s", dir, e.run)
	}
	m := readMeta(t, dir)
	if !m.Scratch {
		t.Error("metadata.json does not say scratch")
	}
	validateMetadata(t, filepath.Join(dir, "metadata.json"))
	sha256sumCheck(t, dir)
	// A scratch build reserves no release: it is the store's only build.
	all, err := e.st.AllBuilds()
	if err != nil || len(all) != 1 || all[0].State != store.BuildScratch || all[0].Dir != dir || all[0].NVR() != nvr(b) {
		t.Errorf("builds: %+v, %v; want the scratch build alone", all, err)
	}
}

// TestDeletedBuild: a deleted build's release is refused.
func TestDeletedBuild(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	if err := e.st.DeleteBuild(t.Context(), b.Name, b.Version, b.Release); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != store.TombstoneFile {
		t.Errorf("after delete: %v", entries)
	}
	var tomb store.Tombstone
	data, _ := os.ReadFile(filepath.Join(dir, store.TombstoneFile))
	if err := json.Unmarshal(data, &tomb); err != nil || tomb.Key != testKey || tomb.Created.IsZero() || tomb.Deleted.IsZero() {
		t.Errorf("tombstone %s: %v", data, err)
	}
	recs, _ := e.st.Builds(b.Name, b.Version)
	if len(recs) != 1 || recs[0].State != store.BuildDeleted || recs[0].Key != testKey {
		t.Errorf("builds: %+v", recs)
	}
	s, _ = e.stage(b, "x86_64", fx, "")
	if _, err := upload.Kind.Run(t.Context(), s); err == nil || !strings.Contains(err.Error(), "was deleted") {
		t.Errorf("err = %v", err)
	}
}

// TestFileNames: artifacts not named after the build get Koji's names.
func TestFileNames(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	obj := e.object("exec", "disks", "x86_64", map[string]fileContent{
		"disk.qcow2":                   {data: []byte("qcow2")},
		"disk.ova":                     {data: []byte("ova")},
		"box":                          {data: []byte("box")},
		"fedora-cloud-x86_64-41-1.iso": {data: []byte("iso")},
	}, nil)
	fx := fixture{artifacts: map[string]string{
		"qcow2":           filepath.Join(obj, "disk.qcow2"),
		"vsphere-ova":     filepath.Join(obj, "disk.ova"),
		"vagrant-libvirt": filepath.Join(obj, "box"),
		"iso":             filepath.Join(obj, "fedora-cloud-x86_64-41-1.iso"),
	}}
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	var got []string
	for _, img := range readMeta(t, dir).Builds["x86_64"].Images {
		got = append(got, img.Format+" "+img.Path)
	}
	want := []string{
		"iso images/fedora-cloud-x86_64-41-1.iso",
		"qcow2 images/fedora-cloud-41-1.x86_64.qcow2",
		"vagrant-libvirt images/fedora-cloud-41-1.x86_64.vagrant-libvirt.box",
		"vsphere-ova images/fedora-cloud-41-1.x86_64.vsphere.ova",
	}
	if !slices.Equal(got, want) {
		t.Errorf("images:\n%q\nwant\n%q", got, want)
	}
	sha256sumCheck(t, dir)

	// With several arches, a name without the arch would collide: it gets
	// Koji's name.
	b2 := testBuild("x86_64", "aarch64")
	b2.Release = "2"
	e.reserve(b2)
	for _, arch := range b2.Arches {
		obj := e.object("exec", "iso", arch, map[string]fileContent{"fedora-cloud-41-2.iso": {data: []byte("iso " + arch)}}, nil)
		s, _ := e.stage(b2, arch, fixture{artifacts: map[string]string{"iso": filepath.Join(obj, "fedora-cloud-41-2.iso")}}, "")
		dir = runStage(t, s)
	}
	got = nil
	m := readMeta(t, dir)
	for _, arch := range m.Arches {
		for _, img := range m.Builds[arch].Images {
			got = append(got, img.Path)
		}
	}
	if want := []string{"images/fedora-cloud-41-2.aarch64.iso", "images/fedora-cloud-41-2.x86_64.iso"}; !slices.Equal(got, want) {
		t.Errorf("images %q, want %q", got, want)
	}
}

func readMeta(t testing.TB, dir string) *store.BuildMetadata {
	t.Helper()
	m, err := store.ReadMetadata(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestDirectoryArtifacts: an artifact that is a directory publishes each of
// its files under its own name, as the Koji presets' chroot stages hand
// over files named after a release settled at run time (Koji uploads every
// file of an appliance's app-output under its base name: kojid
// ApplianceTask.handler).
func TestDirectoryArtifacts(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	obj := e.object("chroot", "appliance", "x86_64", map[string]fileContent{
		"dir/disk/fedora-cloud-41-1-sda.raw.xz": {data: []byte("sda")},
		"dir/disk/fedora-cloud-41-1-sdb.raw.xz": {data: []byte("sdb")},
		"dir/xml/fedora-cloud-41-1.xml":         {data: []byte("<image/>")},
		"dir/logs/appliance.log":                {data: []byte("log")},
	}, nil)
	fx := fixture{artifacts: map[string]string{
		"raw-xz":      filepath.Join(obj, "dir/disk"),
		"libvirt-xml": filepath.Join(obj, "dir/xml"),
	}}
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	var got []string
	for _, img := range readMeta(t, dir).Builds["x86_64"].Images {
		got = append(got, img.Format+" "+img.Path)
	}
	want := []string{
		"libvirt-xml images/fedora-cloud-41-1.xml",
		"raw-xz images/fedora-cloud-41-1-sda.raw.xz",
		"raw-xz images/fedora-cloud-41-1-sdb.raw.xz",
	}
	if !slices.Equal(got, want) {
		t.Errorf("images:\n%q\nwant\n%q", got, want)
	}
	sha256sumCheck(t, dir)

	// A directory without a file is an error that names it.
	b2 := testBuild("x86_64")
	b2.Release = "2"
	e.reserve(b2)
	empty := t.TempDir()
	s, _ = e.stage(b2, "x86_64", fixture{artifacts: map[string]string{"iso": empty}}, "")
	if _, err := upload.Kind.Run(t.Context(), s); err == nil || !strings.Contains(err.Error(), "holds no file to publish") {
		t.Errorf("an empty directory artifact: %v", err)
	}
}
