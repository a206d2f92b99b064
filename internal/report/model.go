package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/store"
)

// maxLogLines bounds the lines of one stage's log a page shows; the rest
// are in the log file it links.
const maxLogLines = 5000

// Run is one run as its events tell it.
type Run struct {
	ID, Recipe string
	Arches     []string
	// Status is "succeeded", "failed", "interrupted", or "running" until
	// run.finished arrives (a killed run stays "running").
	Status string
	// Why says what failed, once: the failed arches, or the run's error
	// when it is not about arches.
	Why               string
	Started, Finished time.Time
	// Build is the run's name-version-release (run.release); UpToDate
	// says an existing build already held what it built.
	Build    string
	UpToDate bool
	// Stages are in graph order: the plan's numbering (#N), which is a
	// topological order.
	Stages  []*Stage
	Results []events.Result
}

// Stage is one stage instance of a run.
type Stage struct {
	N                      int
	Name, Arch, Kind, ID   string
	Needs                  []string // keys of the instances it needs
	Status                 string   // queued, running, done, cached, failed, skipped
	Error, Reason          string
	Queued, Started, Ended time.Time
	Duration               time.Duration
	Log                    []string
	LogDropped             int // lines before Log not shown
}

// Key is the instance's key, "name [arch]", as events' needs name it.
func (s *Stage) Key() string { return s.Name + " [" + s.Arch + "]" }

// Anchor is the id of the stage's section in a run's page.
func (s *Stage) Anchor() string { return fmt.Sprintf("stage-%d", s.N) }

// ReadEvents reads an events.jsonl. A run killed mid-write, or still
// running, leaves a torn last line: the events before it count.
func ReadEvents(path string) ([]events.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the run's events: %w", err)
	}
	defer f.Close()
	var evs []events.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var e events.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			break
		}
		evs = append(evs, e)
	}
	return evs, sc.Err()
}

// FromEvents folds a run's events into a Run.
func FromEvents(id string, evs []events.Event) *Run {
	r := &Run{ID: id, Status: "running"}
	byKey := map[string]*Stage{}
	stage := func(e events.Event) *Stage {
		k := e.Stage + " [" + e.Arch + "]"
		s := byKey[k]
		if s == nil {
			s = &Stage{N: e.N, Name: e.Stage, Arch: e.Arch, Kind: e.Kind, ID: e.ID, Status: "queued"}
			if s.N == 0 {
				s.N = len(byKey) + 1000 // events from before stages were numbered
			}
			byKey[k] = s
			r.Stages = append(r.Stages, s)
		}
		return s
	}
	for _, e := range evs {
		switch e.Type {
		case events.RunStarted:
			r.Started, r.Recipe, r.Arches = e.Time, e.Recipe, e.Arches
		case events.RunRelease:
			r.Build, r.UpToDate = e.Build, e.UpToDate
		case events.RunFinished:
			r.Status, r.Finished, r.Results = e.Status, e.Time, e.Results
			switch {
			case len(e.FailedArches) > 0:
				r.Why = strings.Join(e.FailedArches, ", ") + " failed"
				if e.Status == "succeeded" {
					r.Why += " (allowed to: can_fail)"
				}
			case e.Error != "":
				r.Why = e.Error
			}
		case events.StageQueued:
			s := stage(e)
			s.Queued, s.Needs = e.Time, e.Needs
		case events.StageStarted:
			s := stage(e)
			s.Status, s.Started = "running", e.Time
		case events.StageLog:
			s := stage(e)
			s.Log = append(s.Log, e.Line)
			if len(s.Log) > maxLogLines {
				s.Log = s.Log[1:]
				s.LogDropped++
			}
		case events.StageCached:
			s := stage(e)
			s.Status, s.Reason, s.Ended = "cached", e.Reason, e.Time
		case events.StageDone, events.StageFailed, events.StageSkipped:
			s := stage(e)
			s.Status, s.Error, s.Duration, s.Ended = "done", e.Error, e.Duration, e.Time
			if e.Type == events.StageFailed {
				s.Status = "failed"
			} else if e.Type == events.StageSkipped {
				s.Status = "skipped"
			}
		}
	}
	slices.SortStableFunc(r.Stages, func(a, b *Stage) int { return a.N - b.N })
	return r
}

// LoadRun reads a run of the store.
func LoadRun(st *store.Store, id string) (*Run, error) {
	evs, err := ReadEvents(filepath.Join(st.RunPath(id), store.EventsFile))
	if err != nil {
		return nil, err
	}
	return FromEvents(id, evs), nil
}
