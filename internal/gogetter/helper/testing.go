package helper

import (
	"os"
	"path/filepath"

	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// RunAsHelper lets a test binary be its own imgpipe-getter, as testscript
// runs commands: call it first in TestMain. Run as imgpipe-getter (through
// the link this function made), it serves the request and exits. Otherwise
// it links imgpipe-getter to the test binary in a new directory, points
// $IMGPIPE_GETTER at it for the test and its children (imgpipe run by a
// test script finds it there) and returns a function that removes the
// directory.
func RunAsHelper() (cleanup func()) {
	if filepath.Base(os.Args[0]) == gogetter.HelperName {
		Main()
	}
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "imgpipe-getter-")
	if err != nil {
		panic(err)
	}
	link := filepath.Join(dir, gogetter.HelperName)
	if err := os.Symlink(exe, link); err != nil {
		panic(err)
	}
	os.Setenv(gogetter.EnvHelper, link)
	return func() { os.RemoveAll(dir) }
}
