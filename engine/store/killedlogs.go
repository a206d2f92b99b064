package store

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// tailPrefix begins the names of the tail segments a stage's log keeps
// beside runs/<run>/<arch>/<stage>/log while the stage runs:
// log.tail-<n>-<random>, n counting from 1 (engine/stagelog.go). The
// stage appends them to its log when it ends; a killed run cannot.
const tailPrefix = "log.tail-"

// finishKilledLogs appends to each stage log of a run that is over the
// tail segments its killed run left beside it, in order, after a line
// saying where output may be missing, and removes them. A run still going
// (its scratch lock held: RunScratch) is left alone. It returns the logs
// it finished.
func (s *Store) finishKilledLogs() ([]string, error) {
	tails, err := filepath.Glob(filepath.Join(s.Dir, "runs", "*", "*", "*", tailPrefix+"*"))
	if err != nil {
		return nil, err
	}
	byLog := map[string][]string{}
	for _, t := range tails {
		log := filepath.Join(filepath.Dir(t), "log")
		byLog[log] = append(byLog[log], t)
	}
	var finished []string
	var errs []error
	for _, log := range slices.Sorted(maps.Keys(byLog)) {
		run := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(log))))
		if busy, err := s.busy("run-" + run); err != nil || busy {
			continue
		}
		if err := appendTails(log, byLog[log]); err != nil {
			errs = append(errs, err)
			continue
		}
		finished = append(finished, log)
	}
	return finished, errors.Join(errs...)
}

// appendTails appends the segments tails to log, oldest first, and removes
// them. Segments before the first one kept were dropped: a line says so.
func appendTails(log string, tails []string) error {
	slices.SortFunc(tails, func(a, b string) int { return cmp.Compare(segmentNumber(a), segmentNumber(b)) })
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("finish the log of a killed run: %w", err)
	}
	defer f.Close()
	note := "…[imgpipe: the run was killed before this stage ended; the end of its output follows]\n"
	if segmentNumber(tails[0]) != 1 {
		note = "…[imgpipe: the run was killed before this stage ended; lines of its output may be left out here " +
			"(a stage's log keeps its first and its last lines only), its last ones follow]\n"
	}
	if _, err := f.WriteString(note); err != nil {
		return fmt.Errorf("finish %s: %w", log, err)
	}
	for _, t := range tails {
		seg, err := os.Open(t)
		if err != nil {
			return fmt.Errorf("finish %s: %w", log, err)
		}
		_, err = io.Copy(f, seg)
		seg.Close()
		if err != nil {
			return fmt.Errorf("finish %s: %w", log, err)
		}
	}
	for _, t := range tails {
		if err := os.Remove(t); err != nil {
			return fmt.Errorf("finish %s: %w", log, err)
		}
	}
	return nil
}

// segmentNumber is n of log.tail-<n>-<random>; 0 if the name has none
// (a segment of an imgpipe that did not number them).
func segmentNumber(path string) int {
	rest := strings.TrimPrefix(filepath.Base(path), tailPrefix)
	n, _, _ := strings.Cut(rest, "-")
	v, _ := strconv.Atoi(n)
	return v
}
