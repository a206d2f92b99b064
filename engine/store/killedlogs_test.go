package store

import (
	"os"
	"path/filepath"
	"testing"
)

// A killed run leaves its stage log's tail segments (log.tail-<n>-*)
// beside the log; CleanTmp and GC append them to it in order, after a line
// saying the run was killed, and remove them; a live run's are left alone.
func TestKilledRunsLogTailsAreAppended(t *testing.T) {
	for _, how := range []string{"CleanTmp", "GC"} {
		t.Run(how, func(t *testing.T) {
			s, err := Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			write := func(path, text string) {
				t.Helper()
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			killed := filepath.Join(s.Dir, "runs", "20260101T000000.aaaa", "x86_64", "build")
			write(filepath.Join(killed, "log"), "head\n")
			// Segment 10 after 9: the order is by number, not by name.
			write(filepath.Join(killed, "log.tail-10-zz"), "last\n")
			write(filepath.Join(killed, "log.tail-9-zz"), "before last\n")
			whole := filepath.Join(s.Dir, "runs", "20260101T000000.aaaa", "x86_64", "small")
			write(filepath.Join(whole, "log"), "head\n")
			write(filepath.Join(whole, "log.tail-1-ab"), "next\n")

			const live = "20260101T000000.bbbb"
			unlock, err := s.Lock("run-" + live)
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			liveDir := filepath.Join(s.Dir, "runs", live, "x86_64", "build")
			write(filepath.Join(liveDir, "log"), "head\n")
			write(filepath.Join(liveDir, "log.tail-1-ab"), "running\n")

			if how == "CleanTmp" {
				_, err = s.CleanTmp()
			} else {
				_, err = s.GC(GCOptions{KeepRuns: 10})
			}
			if err != nil {
				t.Fatal(err)
			}
			check := func(log, want string) {
				t.Helper()
				b, err := os.ReadFile(log)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != want {
					t.Errorf("%s:\n%s\nwant\n%s", log, b, want)
				}
			}
			check(filepath.Join(killed, "log"), "head\n"+
				"…[imgpipe: the run was killed before this stage ended; lines of its output may be left out here "+
				"(a stage's log keeps its first and its last lines only), its last ones follow]\n"+
				"before last\nlast\n")
			check(filepath.Join(whole, "log"), "head\n"+
				"…[imgpipe: the run was killed before this stage ended; the end of its output follows]\nnext\n")
			check(filepath.Join(liveDir, "log"), "head\n")
			for _, dir := range []string{killed, whole} {
				if left, _ := filepath.Glob(filepath.Join(dir, "log.tail-*")); len(left) > 0 {
					t.Errorf("segments left: %v", left)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(liveDir, "log.tail-*")); len(left) != 1 {
				t.Errorf("a live run's segments: %v, want its one left alone", left)
			}
		})
	}
}
