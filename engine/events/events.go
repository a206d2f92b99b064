package events

import (
	"sync"
	"time"
)

// Type is what happened.
type Type string

const (
	RunStarted   Type = "run.started"   // once, first
	RunRelease   Type = "run.release"   // the release is settled, before the stages it decides
	StageQueued  Type = "stage.queued"  // the stage waits for its inputs or a job slot
	StageStarted Type = "stage.started" // its process is about to start
	StageLog     Type = "stage.log"     // one line of its output
	StageCached  Type = "stage.cached"  // satisfied from the store, not run
	StageDone    Type = "stage.done"    // ran and succeeded; its object is committed
	StageFailed  Type = "stage.failed"  // ran and failed, or timed out
	StageSkipped Type = "stage.skipped" // not run: an input failed or the run was cancelled
	RunPushing   Type = "run.pushing"   // the stages are over; the run waits for its pushes to the team cache
	RunFinished  Type = "run.finished"  // once, last
)

// Event is one thing that happened in a run. Fields that do not apply to a
// Type are zero and omitted from JSON.
type Event struct {
	Type Type      `json:"type"`
	Time time.Time `json:"time"`
	Run  string    `json:"run"`

	// Stage events.
	Stage string `json:"stage,omitempty"` // the stage's name in the recipe
	Kind  string `json:"kind,omitempty"`  // its kind, e.g. "exec"
	// Arch is the architecture the stage runs for, or "noarch" for a stage
	// shared by every architecture.
	Arch string `json:"arch,omitempty"`
	ID   string `json:"id,omitempty"` // the stage ID (sha256 hex)
	// N numbers the stage instance as `imgpipe plan` does (#N), from 1.
	N int `json:"n,omitempty"`
	// Needs names the stage instances this one needs, by their keys
	// ("name [arch]", as in `plan --json`) (StageQueued): the graph's
	// edges, for reports.
	Needs []string `json:"needs,omitempty"`
	// Line is one line of output, without its newline (StageLog).
	Line string `json:"line,omitempty"`
	// Duration is how long the stage ran (StageDone, StageFailed).
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Error says why a stage failed or was skipped, or why a run failed.
	Error string `json:"error,omitempty"`
	// Reason says why a stage did not run (StageCached): its object
	// exists, or its inputs hold the same bytes as when another object
	// was made (early cutoff); or why it starts again (StageStarted): the
	// builder it ran on was lost.
	Reason string `json:"reason,omitempty"`
	// Builder names the executor block a stage runs on (StageStarted),
	// for a stage that runs on one: with a pool of builders, the one it
	// was placed on.
	Builder string `json:"builder,omitempty"`

	// Run events.
	Recipe string   `json:"recipe,omitempty"` // RunStarted: the recipe file
	Arches []string `json:"arches,omitempty"` // RunStarted: arches built
	Stages int      `json:"stages,omitempty"` // RunStarted: number of stage instances
	// Build is RunRelease's name-version-release of the build; UpToDate
	// says a published build already holds what this run builds.
	Build    string `json:"build,omitempty"`
	UpToDate bool   `json:"up_to_date,omitempty"`
	// Pushes is how many objects the run still pushes to the team cache
	// (RunPushing), which it waits for before it finishes.
	Pushes int `json:"pushes,omitempty"`
	// Status is the run's outcome (RunFinished): "succeeded", "failed" or
	// "interrupted".
	Status string `json:"status,omitempty"`
	// FailedArches lists arches that failed (RunFinished), whether or not
	// they were allowed to.
	FailedArches []string `json:"failed_arches,omitempty"`
	// Results are what the final stages made (RunFinished): the stages no
	// other stage needs, that succeeded.
	Results []Result `json:"results,omitempty"`
}

// Sink receives events. Emit is called from many goroutines; implementations
// must be safe for that and must not block for long.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

func (f SinkFunc) Emit(e Event) { f(e) }

// Tee sends each event to every sink in order, one event at a time.
func Tee(sinks ...Sink) Sink {
	return &tee{sinks: sinks}
}

type tee struct {
	mu    sync.Mutex
	sinks []Sink
}

func (t *tee) Emit(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.sinks {
		s.Emit(e)
	}
}

// Result is what one final stage made.
type Result struct {
	// Stage and Arch name the stage instance, as in its events.
	Stage string `json:"stage"`
	Arch  string `json:"arch"`
	// Files are its file outputs, absolute paths in the store, sorted.
	Files []string `json:"files,omitempty"`
	// Values are its outputs that are plain strings (upload's location),
	// by output name.
	Values map[string]string `json:"values,omitempty"`
}
