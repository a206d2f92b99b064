package upload_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/internal/stagetest"
	"github.com/imgpipe/imgpipe/stages/upload"
)

// TestWriteIntoPublishedImage: a tool that writes into a published image
// in place (same size, mtime put back, as qemu booting it might) changes
// neither the store's object nor SHA256SUMS; the next run finds the damage
// and puts the image back from the object, and SHA256SUMS still says what
// was published.
func TestWriteIntoPublishedImage(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	sums := readFile(t, filepath.Join(dir, "SHA256SUMS"))
	meta := readFile(t, filepath.Join(dir, "metadata.json"))
	object := sha256sum(t, fx.artifacts["qcow2"])

	img := filepath.Join(dir, "images/fedora-cloud-41-1.x86_64.qcow2")
	stagetest.FlipBit(t, img, 1000)
	if got := sha256sum(t, fx.artifacts["qcow2"]); got != object {
		t.Fatalf("writing into the published image changed the store's object: sha256 %s, was %s", got, object)
	}
	if got := readFile(t, filepath.Join(dir, "SHA256SUMS")); !bytes.Equal(got, sums) {
		t.Fatalf("writing into the published image changed SHA256SUMS")
	}

	e2 := openEnv(t, e.st.Dir) // the next run
	s, log := e2.stage(b, "x86_64", fx, "")
	runStage(t, s)
	for _, want := range []string{
		"images/fedora-cloud-41-1.x86_64.qcow2 has sha256 ",
		"; publishing it again from " + fx.artifacts["qcow2"],
		"fedora-cloud-41-1 (x86_64) is up to date after repairing 1 files",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the next run's log does not say %q:\n%s", want, log)
		}
	}
	sha256sumCheck(t, dir)
	if got := readFile(t, filepath.Join(dir, "SHA256SUMS")); !bytes.Equal(got, sums) {
		t.Errorf("SHA256SUMS changed:\n%s\nwas\n%s", got, sums)
	}
	if got := readFile(t, filepath.Join(dir, "metadata.json")); !bytes.Equal(got, meta) {
		t.Error("metadata.json changed")
	}

	// SHA256SUMS edited to match a damaged image: written again from
	// metadata.json.
	stagetest.FlipBit(t, img, 2000)
	damaged := sha256sum(t, img)
	forged := strings.Replace(string(sums), object, damaged, 1)
	if forged == string(sums) {
		t.Fatal("SHA256SUMS does not list the image's digest")
	}
	os.Chmod(filepath.Join(dir, "SHA256SUMS"), 0o644)
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	s, log = e2.stage(b, "x86_64", fx, "")
	runStage(t, s)
	if !strings.Contains(log.String(), "up to date after repairing 2 files") || !strings.Contains(log.String(), "SHA256SUMS is missing or does not match metadata.json") {
		t.Errorf("log:\n%s", log)
	}
	sha256sumCheck(t, dir)
	if got := readFile(t, filepath.Join(dir, "SHA256SUMS")); !bytes.Equal(got, sums) {
		t.Errorf("SHA256SUMS is not what was published:\n%s", got)
	}
}

// TestDamagedBuildRefused: a damaged published file that this run cannot
// put back (its source, a file in the recipe's directory, changed too) is
// an error naming the file and the command that deletes the build; the
// build is left as it is, SHA256SUMS included.
func TestDamagedBuildRefused(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	notes := filepath.Join(e.recipe, "notes.log")
	if err := os.WriteFile(notes, []byte("built by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.logs = append(fx.logs, notes)
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	sums := readFile(t, filepath.Join(dir, "SHA256SUMS"))

	published := filepath.Join(dir, "data/logs/x86_64/notes.log")
	stagetest.FlipBit(t, published, 0)
	if err := os.WriteFile(notes, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)
	s, _ = e.stage(b, "x86_64", fx, "")
	_, err := upload.Kind.Run(t.Context(), s)
	if err == nil || !strings.Contains(err.Error(), "build fedora-cloud-41-1 is damaged: data/logs/x86_64/notes.log has sha256 ") || !strings.Contains(err.Error(), "`imgpipe builds delete fedora-cloud-41-1`") {
		t.Errorf("err = %v", err)
	}
	if after := tree(t, dir); len(after) != len(before) || after["SHA256SUMS"] != before["SHA256SUMS"] || after["metadata.json"] != before["metadata.json"] {
		t.Errorf("a refused upload changed the build:\nbefore %v\nafter  %v", before, after)
	}
	if got := readFile(t, filepath.Join(dir, "SHA256SUMS")); !bytes.Equal(got, sums) {
		t.Error("SHA256SUMS changed")
	}
}

// TestRecipeFileEditedAfterUpload: an artifact from the recipe's directory
// is published as a copy, so editing it afterwards leaves the build as it
// was; an upload of the edited file into the same release is refused.
func TestRecipeFileEditedAfterUpload(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	local := filepath.Join(e.recipe, "disk.raw")
	if err := os.WriteFile(local, pseudoRandom("local disk", 64<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	fx := fixture{artifacts: map[string]string{"raw": local}}
	s, _ := e.stage(b, "x86_64", fx, "")
	dir := runStage(t, s)
	img := filepath.Join(dir, "images/fedora-cloud-41-1.x86_64.raw")
	want := sha256sum(t, img)

	stagetest.FlipBit(t, local, 10)
	if got := sha256sum(t, img); got != want {
		t.Errorf("editing the recipe's file changed the published image: sha256 %s, was %s", got, want)
	}
	sha256sumCheck(t, dir)
	before := tree(t, dir)
	s, _ = e.stage(b, "x86_64", fx, "")
	if _, err := upload.Kind.Run(t.Context(), s); err == nil || !strings.Contains(err.Error(), "already published for x86_64 with other content") {
		t.Errorf("err = %v", err)
	}
	if after := tree(t, dir); after["images/fedora-cloud-41-1.x86_64.raw"] != before["images/fedora-cloud-41-1.x86_64.raw"] || after["SHA256SUMS"] != before["SHA256SUMS"] {
		t.Error("the refused upload changed the build")
	}
}

// TestDamagedObjectNotPublished: a store object written into after it was
// made is not published, whatever its record says.
func TestDamagedObjectNotPublished(t *testing.T) {
	e := newEnv(t)
	b := testBuild("x86_64")
	e.reserve(b)
	fx := e.images(b, "x86_64", "")
	stagetest.FlipBit(t, fx.artifacts["qcow2"], 100)
	s, _ := e.stage(b, "x86_64", fx, "")
	_, err := upload.Kind.Run(t.Context(), s)
	if err == nil || !strings.Contains(err.Error(), fx.artifacts["qcow2"]+" was changed after its stage made it") {
		t.Errorf("err = %v", err)
	}
	if exists(filepath.Join(e.st.BuildDir(b.Name, b.Version, b.Release), "metadata.json")) {
		t.Error("a build was published from a damaged object")
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
