package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/cache"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/engine/graph"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/lines"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// RunOptions configure one run.
type RunOptions struct {
	// RunID names the run; empty makes a new one.
	RunID string
	// Jobs bounds how many stages run at once on this machine; 0 means one
	// per CPU. Stages placed on a builder pool are bounded by its builders'
	// jobs instead.
	Jobs int
	// Force lists glob patterns of stage names to rebuild even when their
	// object exists; "*" rebuilds everything.
	Force []string
	// Events receives the run's events; they are also written to
	// runs/<run>/events.jsonl.
	Events events.Sink
	// KeepGoing: a failure does not cancel the stages that do not depend
	// on it (make -k), so one run shows every arch's failure. The build
	// still fails, and no release is settled for it.
	KeepGoing bool
	// OnError is what a failed stage that runs a machine does with it:
	// kind.OnErrorCleanup (the default), kind.OnErrorAbort or
	// kind.OnErrorAsk, when Ask decides.
	OnError string
	Ask     func(ctx context.Context, k kind.KeptMachine) kind.Decision
	// CacheFrom is a team cache a stage's object is looked up in after the
	// store missed, and CacheTo one the objects of the stages that succeed
	// are pushed to (docs/team-cache.md); nil for none.
	CacheFrom, CacheTo cache.Remote
}

// Summary is what a run did.
type Summary struct {
	RunID  string
	Status string // "succeeded", "failed", "interrupted"
	// Release is the release the run settled, when a stage uses it.
	Release store.Release
	// Results are what the final stages made (their files and plain
	// values): those of the stages no other stage needs, that succeeded.
	Results []events.Result
	// Failed lists arches that failed, required or not; Tolerated the
	// can_fail ones among them.
	Failed, Tolerated                   []string
	Done, Cached, Skipped, FailedStages int
}

type nodeState struct {
	ok      bool
	outputs cty.Value // real values, absolute paths
	err     error
	// res is the record of the object the node settled on, and object
	// that object's ID: the node's own, or another's with the same
	// content (early cutoff).
	res    *store.Result
	object string
}

type runner struct {
	plan    *Plan
	execs   *Executors
	store   *store.Store
	opts    RunOptions
	gate    *releaseGate
	content *store.ContentIndex
	uses    *store.Uses
	number  map[*Node]int // #N, as plan numbers them
	runID   string
	runDir  string
	scratch string
	sink    events.Sink
	secrets *secret.Set // the plan's, and those its stages find
	sem     chan struct{}
	cancel  context.CancelCauseFunc

	remote remoteState
	pushes pushQueue

	mu      sync.Mutex
	states  map[*Node]*nodeState
	failed  map[string]bool
	report  []reportEntry
	summary Summary
}

type reportEntry struct {
	ID string `json:"id"`
	// Object is the object the stage reused when it is not its own: one
	// made with the same content key.
	Object   string        `json:"object,omitempty"`
	Stage    string        `json:"stage"`
	Kind     string        `json:"kind"`
	Arch     string        `json:"arch"`
	Status   string        `json:"status"`
	Duration time.Duration `json:"duration_ns,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// Run walks a prepared plan on its executors, in parallel: it satisfies each
// stage from the store when its object exists, or an object made from the
// same input bytes (docs/architecture.md#early-cutoff), and runs the others,
// recording everything as events. When a stage uses the release, it settles
// the release once every stage the release does not decide has settled,
// from what they made (docs/architecture.md#releases), and runs the stages
// it decides under the IDs it gives. It never changes the plan.
//
// Before any stage starts it returns the *executor.OpenError of an executor
// Prepare could not open, or diagnostics for stages that cannot run here.
// After, it returns a *store.ReleaseError when the release cannot be
// settled, a *BuildFailedError when required arches failed and an error
// wrapping ErrInterrupted when ctx was cancelled; the Summary is filled in
// either way.
func Run(ctx context.Context, plan *Plan, execs *Executors, st *store.Store, opts RunOptions) (*Summary, error) {
	if err := execs.check(plan); err != nil {
		return nil, err
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.RunID == "" {
		opts.RunID = store.NewRunID(time.Now())
	}
	r := &runner{
		plan:   plan,
		execs:  execs,
		store:  st,
		opts:   opts,
		runID:  opts.RunID,
		sem:    make(chan struct{}, opts.Jobs),
		states: map[*Node]*nodeState{},
		failed: map[string]bool{},
		gate:   newReleaseGate(plan),
	}
	var err error
	if r.runDir, err = st.RunDir(r.runID); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	eventsFile, err := os.Create(filepath.Join(r.runDir, store.EventsFile))
	if err != nil {
		return nil, fmt.Errorf("create event log: %w", err)
	}
	defer eventsFile.Close()
	// Buffered: a run of small stages emits thousands of events. Flushed
	// every eventsFlushInterval, so that readers of a run in progress
	// (imgpipe serve) are at most that far behind, and before Run
	// returns, also when interrupted.
	eventsBuf := bufio.NewWriterSize(eventsFile, 64<<10)
	var eventsMu sync.Mutex
	enc := json.NewEncoder(eventsBuf)
	stopFlushing := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		tick := time.NewTicker(eventsFlushInterval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
			case <-stopFlushing:
				return
			}
			eventsMu.Lock()
			eventsBuf.Flush()
			eventsMu.Unlock()
		}
	}()
	defer func() {
		close(stopFlushing)
		<-flushed
		eventsBuf.Flush()
	}()
	sinks := []events.Sink{events.SinkFunc(func(e events.Event) {
		eventsMu.Lock()
		defer eventsMu.Unlock()
		enc.Encode(e)
	})}
	if opts.Events != nil {
		sinks = append(sinks, opts.Events)
	}
	// Every record of the run goes through the mask: events.jsonl, the
	// front ends, and the report, which reads events.jsonl.
	r.secrets = &secret.Set{}
	r.secrets.Add(plan.Secrets.Values()...)
	r.sink = maskingSink(r.secrets, events.Tee(sinks...))
	r.summary.RunID = r.runID
	r.content = st.ContentIndex(r.runID)
	defer r.content.Close()
	r.emit(events.Event{Type: events.RunStarted, Recipe: plan.Recipe.Filename, Arches: plan.Build.Arches, Stages: len(plan.Nodes)})
	scratch, removeScratch, err := st.RunScratch(r.runID)
	if err != nil {
		return nil, err
	}
	defer removeScratch()
	r.scratch = scratch
	// What a killed run left in tmp/ goes now, not at the next gc: a
	// killed VM stage leaves a disk image there. Best effort: gc tries
	// again and reports what it cannot remove.
	st.CleanTmp()
	if r.uses, err = st.Uses(r.runID); err != nil {
		return nil, err
	}
	defer r.uses.Close()

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.cancel = cancel

	r.number = make(map[*Node]int, len(plan.Nodes))
	for i, n := range plan.Nodes {
		r.states[n] = &nodeState{}
		r.number[n] = i + 1
	}
	if r.gate.active {
		go r.settle(runCtx)
	}
	r.startPushers(ctx)
	graph.Walk(plan.Nodes, func(n *Node) []*Node { return n.Deps }, func(n *Node) { r.visit(runCtx, n) })
	r.waitPushes()
	<-r.gate.settled
	if r.gate.unlock != nil {
		defer r.gate.unlock()
	}
	r.summary.Release = r.gate.release
	r.summary.Results = r.results()
	syncErr := st.Sync()

	s := &r.summary
	for _, a := range plan.Build.Arches {
		if r.failed[a] {
			s.Failed = append(s.Failed, a)
			if !plan.Build.Required(a) {
				s.Tolerated = append(s.Tolerated, a)
			}
		}
	}
	var runErr error
	var required []string
	for _, a := range s.Failed {
		if plan.Build.Required(a) {
			required = append(required, a)
		}
	}
	switch {
	case ctx.Err() != nil:
		s.Status = "interrupted"
		runErr = fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	case len(required) > 0 || (len(s.Failed) == len(plan.Build.Arches) && len(s.Failed) > 0):
		s.Status = "failed"
		if len(required) == 0 {
			required, s.Tolerated = s.Failed, nil // every arch failed: Koji fails the build
		}
		runErr = &BuildFailedError{Failed: required, Tolerated: s.Tolerated}
	case r.gate.err != nil:
		s.Status = "failed"
		runErr = r.gate.err
	case syncErr != nil:
		s.Status = "failed"
		runErr = fmt.Errorf("sync store: %w", syncErr)
	default:
		s.Status = "succeeded"
	}
	fin := events.Event{Type: events.RunFinished, Status: s.Status, FailedArches: s.Failed, Results: s.Results}
	var bf *BuildFailedError
	if runErr != nil && !errors.As(runErr, &bf) {
		// A failed build is its status and FailedArches; its error would
		// only say the same again.
		fin.Error = runErr.Error()
	}
	r.emit(fin)
	r.writeReport()
	return s, runErr
}

// eventsFlushInterval is how far events.jsonl may lag behind a run.
const eventsFlushInterval = 200 * time.Millisecond

func (r *runner) emit(e events.Event) {
	e.Time = time.Now().UTC()
	e.Run = r.runID
	r.sink.Emit(e)
}

func (r *runner) nodeEvent(t events.Type, n *Node) events.Event {
	return events.Event{Type: t, Stage: n.Name, Kind: n.Kind.Name, Arch: n.Arch, ID: r.id(n), N: r.number[n]}
}

func (r *runner) finish(n *Node, status string, d time.Duration, err error) {
	st := r.states[n]
	r.mu.Lock()
	defer r.mu.Unlock()
	e := reportEntry{ID: r.id(n), Stage: n.Name, Kind: n.Kind.Name, Arch: n.Arch, Status: status, Duration: d}
	if st.object != "" && st.object != e.ID {
		e.Object = st.object
	}
	if err != nil {
		e.Error = r.secrets.Mask(err.Error())
		st.err = err
	}
	r.report = append(r.report, e)
	switch status {
	case "done":
		r.summary.Done++
	case "cached":
		r.summary.Cached++
	case "skipped":
		r.summary.Skipped++
	case "failed":
		r.summary.FailedStages++
	}
	st.ok = status == "done" || status == "cached"
	r.gate.settledOne(n)
}

// visit settles one node; graph.Walk calls it once its dependencies are
// settled.
func (r *runner) visit(ctx context.Context, n *Node) {
	queued := r.nodeEvent(events.StageQueued, n)
	for _, dep := range n.Deps {
		queued.Needs = append(queued.Needs, dep.Key())
	}
	r.emit(queued)
	skip := func(why string) {
		e := r.nodeEvent(events.StageSkipped, n)
		e.Error = why
		r.emit(e)
		r.finish(n, "skipped", 0, errors.New(why))
	}
	for _, dep := range n.Deps {
		if !r.states[dep].ok {
			skip(fmt.Sprintf("input stage %s [%s] did not succeed", dep.Name, dep.Arch))
			return
		}
	}
	if r.gate.decided[n] {
		<-r.gate.settled
		if r.gate.err != nil {
			skip("the build's release was not settled: " + r.gate.err.Error())
			return
		}
	}
	if ctx.Err() != nil {
		skip("cancelled: " + context.Cause(ctx).Error())
		return
	}
	id := r.id(n)
	forced := r.forced(n)
	cacheable := !forced && !n.Kind.Uncached
	if cacheable && r.reuse(ctx, n, id, "its object exists") {
		return
	}
	// Early cutoff: an object made from the same bytes serves too.
	key := contentKeyOf(n, r.gate.build.Release, func(dep *Node) *store.Result { return r.states[dep].res })
	if cacheable && key != "" {
		if other, ok := r.content.Lookup(key); ok && other != id && r.reuse(ctx, n, other, fmt.Sprintf("its inputs hold the same bytes as when object %.12s was made", other)) {
			return
		}
	}
	// Then the team cache, by ID and by content key, as the store was.
	if cacheable && r.pull(ctx, n, id, key) {
		return
	}
	// --jobs bounds the stages that run on this machine; a stage bound for
	// a builder pool waits for its builders' jobs instead (acquire), so a
	// small laptop can keep a large pool busy.
	if !r.execs.onPool(n) {
		select {
		case r.sem <- struct{}{}:
		case <-ctx.Done():
			skip("cancelled: " + context.Cause(ctx).Error())
			return
		}
		defer func() { <-r.sem }()
	}

	start := time.Now()
	out, res, cached, err := r.execute(ctx, n, forced, key)
	d := time.Since(start)
	switch {
	case err == nil && cached:
		st := r.states[n]
		st.outputs, st.res, st.object = out, res, id
		e := r.nodeEvent(events.StageCached, n)
		e.Reason = "another run made its object meanwhile"
		r.emit(e)
		r.finish(n, "cached", 0, nil)
	case err == nil:
		st := r.states[n]
		st.outputs, st.res, st.object = out, res, id
		r.push(ctx, n, id)
		e := r.nodeEvent(events.StageDone, n)
		e.Duration = d
		r.emit(e)
		r.finish(n, "done", d, nil)
	case ctx.Err() != nil && !isTimeout(err):
		// Cancelled because another arch failed or the user interrupted.
		skip("cancelled: " + context.Cause(ctx).Error())
	default:
		if hint := r.plan.defaultsHint(n); hint != "" {
			err = fmt.Errorf("%w%s", err, hint)
		}
		e := r.nodeEvent(events.StageFailed, n)
		e.Duration = d
		e.Error = err.Error()
		r.emit(e)
		r.finish(n, "failed", d, err)
		r.archesFailed(n, err)
	}
}

func isTimeout(err error) bool {
	var te *TimeoutError
	return errors.As(err, &te)
}

// archesFailed records a failure for every arch the node serves and cancels
// the run when one of them is required.
func (r *runner) archesFailed(n *Node, err error) {
	r.mu.Lock()
	var required []string
	for _, a := range n.Arches {
		r.failed[a] = true
		if r.plan.Build.Required(a) {
			required = append(required, a)
		}
	}
	r.mu.Unlock()
	if len(required) > 0 && !r.opts.KeepGoing {
		r.cancel(fmt.Errorf("stage %s failed for required arch %s", n.Name, strings.Join(required, ", ")))
	}
}

func (r *runner) forced(n *Node) bool {
	for _, pat := range r.opts.Force {
		if ok, _ := path.Match(pat, n.Name); ok {
			return true
		}
	}
	return false
}

// execute runs the stage into a new object. It reports cached when another
// run committed the object while this one waited for the lock.
func (r *runner) execute(ctx context.Context, n *Node, forced bool, key string) (cty.Value, *store.Result, bool, error) {
	st := r.store
	id := r.id(n)
	unlock, err := st.LockContext(ctx, id)
	if err != nil {
		return cty.NilVal, nil, false, fmt.Errorf("lock object: %w", err)
	}
	defer unlock()
	// The object it makes (or finds) is the run's from now on: gc keeps it
	// even before the report names it.
	if err := r.uses.Add(id); err != nil {
		return cty.NilVal, nil, false, err
	}
	var damaged *store.DamagedError // said once the stage's log is open
	if !forced && !n.Kind.Uncached {
		res, ok, err := st.LookupVerified(id)
		if err == nil && ok {
			if out, err := r.loadOutputs(n, id, res); err == nil {
				return out, res, true, nil
			}
		}
		damaged, _ = errors.AsType[*store.DamagedError](err)
	}

	cfg, err := r.resolveConfig(n)
	if err != nil {
		return cty.NilVal, nil, false, err
	}
	addConfigSecrets(r.secrets, cfg)
	pending, err := st.Begin(id, len(n.outputs) > 0)
	if err != nil {
		return cty.NilVal, nil, false, err
	}
	committed := false
	defer func() {
		if !committed {
			pending.Abort()
		}
	}()
	// The stage's output, bounded, into its log file and the events
	// (stagelog.go). Its close runs after the writer's last Flush.
	logDir := func() (string, error) { return st.StageLogDir(r.runID, n.Arch, n.Name) }
	slog := newStageLog(logDir, filepath.Join(st.RunPath(r.runID), n.Arch, n.Name, "log"), func(line string) {
		e := r.nodeEvent(events.StageLog, n)
		e.Line = line
		r.emit(e)
	})
	defer slog.close()
	// Secrets are masked before anything is kept (docs/reliability-secrets.md).
	lw := lines.NewBytesWriter(lines.MaxLine, func(b []byte) { slog.line([]byte(r.secrets.Mask(string(b)))) })
	defer lw.Flush()
	if damaged != nil {
		// Committing the new object replaces the damaged one.
		fmt.Fprintf(lw, "warning: %v; building it again\n", damaged)
	}

	held, err := r.execs.acquire(ctx, n, "")
	if err != nil {
		return cty.NilVal, nil, false, err
	}
	defer func() { held.release() }()
	stage := &kind.Stage{
		Name: n.Name, Kind: n.Kind.Name, Arch: n.Arch, ID: id,
		Config:     cfg,
		RecipeDir:  r.plan.Recipe.Dir,
		OutDir:     pending.OutDir,
		ObjectDir:  st.ObjectDir(id),
		RunID:      r.runID,
		RunDir:     filepath.Join(st.RunPath(r.runID), n.Arch, n.Name),
		Store:      st,
		Scratch:    r.scratch,
		Timeout:    n.Timeout,
		Resolved:   n.Resolved,
		Build:      r.stageBuild(n),
		ReleaseKey: r.stageReleaseKey(n),
		Inputs:     r.referencedObjects(n),
		Exec:       held.exec,
		Log:        lw,
		OnError:    r.opts.OnError,
		Secrets:    r.secrets,
		Ask:        r.opts.Ask,
	}
	startedEvent := r.nodeEvent(events.StageStarted, n)
	startedEvent.Builder = held.builder
	r.emit(startedEvent)
	started := time.Now()
	// A stage runs again, into a fresh output directory and with its whole
	// timeout, when the person asked for it (--on-error=ask, kind.ErrRetry),
	// and once on another builder of its pool when the connection to its
	// builder is lost (docs/remote-builders.md#builder-pools).
	var outputs kind.Outputs
	var stageCtx context.Context
	movedOnce := false
	for {
		var cancel context.CancelFunc = func() {}
		stageCtx = ctx
		if n.Timeout > 0 {
			stageCtx, cancel = context.WithTimeoutCause(ctx, n.Timeout, &TimeoutError{Stage: n.Name, Timeout: n.Timeout.String()})
		}
		outputs, err = n.Kind.Run(stageCtx, stage)
		cancel()
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, kind.ErrRetry) {
			fmt.Fprintf(lw, "retrying the stage, as asked\n")
		} else {
			next, ferr := r.failOver(ctx, n, held, err, movedOnce, lw)
			if next == nil {
				err = ferr
				break
			}
			held.release()
			held, movedOnce = next, true
			stage.Exec = held.exec
		}
		pending.Abort()
		if pending, err = st.Begin(id, len(n.outputs) > 0); err != nil {
			return cty.NilVal, nil, false, err
		}
		stage.OutDir = pending.OutDir
	}
	lw.Flush()
	if err != nil {
		if cause := context.Cause(stageCtx); cause != nil && isTimeout(cause) {
			err = cause
		}
		return cty.NilVal, nil, false, locate(n, err)
	}
	outVal, err := n.Kind.CheckOutputs(n.outputs, outputs, pending.OutDir)
	if err != nil {
		return cty.NilVal, nil, false, err
	}
	raw, err := kind.EncodeOutputs(outVal)
	if err != nil {
		return cty.NilVal, nil, false, err
	}
	res := &store.Result{
		Kind: n.Kind.Name, Stage: n.Name, Arch: n.Arch, Run: r.runID,
		Started: started.UTC(), Duration: time.Since(started), Outputs: raw,
		ContentKey: key,
	}
	if err := pending.Commit(res); err != nil {
		return cty.NilVal, nil, false, err
	}
	committed = true
	if key != "" {
		// Best effort: without it, the next run with these inputs runs
		// the stage again.
		if err := r.content.Record(key, id); err != nil {
			fmt.Fprintf(lw, "warning: %v\n", err)
		}
	}
	return n.Kind.AbsOutputs(n.outputs, outVal, st.ObjectDir(id)), res, false, nil
}

// failOver is what a stage that failed with err on held does next. When
// err is the loss of its builder's connection (an *executor.ConnectionError,
// not the stage's own failure) and the builder is one of a pool, the
// builder is marked lost for the rest of the run, and, the first time
// (moved is false), the stage gets another healthy builder of the pool to
// run again on: failOver says so in its log and in a second stage.started
// event, and returns the lease. Otherwise it returns nil and the error the
// stage fails with.
func (r *runner) failOver(ctx context.Context, n *Node, held *lease, err error, moved bool, lw *lines.Writer) (*lease, error) {
	var lost *executor.ConnectionError
	if !errors.As(err, &lost) || held.builder == "" || len(n.Pool) < 2 {
		return nil, err
	}
	r.execs.markLost(held.builder)
	if moved {
		return nil, err
	}
	next, aerr := r.execs.acquire(ctx, n, held.builder)
	if aerr != nil {
		return nil, fmt.Errorf("%w; not run again: %v", err, aerr)
	}
	why := fmt.Sprintf("builder %s was lost (%v); running the stage again on %s", held.builder, err, next.builder)
	fmt.Fprintf(lw, "%s\n", why)
	lw.Flush()
	e := r.nodeEvent(events.StageStarted, n)
	e.Builder, e.Reason = next.builder, r.secrets.Mask(why)
	r.emit(e)
	return next, nil
}

// referencedObjects returns the object directories of the stages n
// references (not those it only depends_on), sorted. Stages without outputs
// have no directory.
func (r *runner) referencedObjects(n *Node) []string {
	var dirs []string
	for _, dep := range n.depNames {
		if len(dep.outputs) > 0 {
			dirs = append(dirs, r.store.ObjectDir(r.states[dep].object))
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

// resolveConfig evaluates the stage block again, now with the real outputs
// of its inputs.
func (r *runner) resolveConfig(n *Node) (cty.Value, error) {
	stages := map[string]cty.Value{}
	for name, dep := range n.depNames {
		stages[name] = r.states[dep].outputs
	}
	ctx := r.plan.scopes[n.evalArch].Context(cty.ObjectVal(stages))
	cfg, diags := hcldec.Decode(n.Stage.Body, n.Kind.Spec(), ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if !cfg.IsWhollyKnown() {
		return cty.NilVal, errors.New("configuration is not fully known after its inputs ran")
	}
	return applySettings(cfg, n.Kind, r.plan.settings), nil
}

// loadOutputs reads the outputs of the object id, as the references of
// the node that settled on it see them.
func (r *runner) loadOutputs(n *Node, id string, res *store.Result) (cty.Value, error) {
	v, err := kind.DecodeOutputs(res.Outputs, n.outputs)
	if err != nil {
		return cty.NilVal, fmt.Errorf("object %s: %w", id, err)
	}
	return n.Kind.AbsOutputs(n.outputs, v, r.store.ObjectDir(id)), nil
}

// reuse settles n on the object id when it exists, is intact
// (store.LookupVerified: a damaged one is removed, with a warning) and has
// n's outputs: its own object, or one another stage ID made from the same
// content, which the store then records as an alias of n's ID. why says so
// in the stage.cached event.
func (r *runner) reuse(ctx context.Context, n *Node, id, why string) bool {
	return r.reuseObject(ctx, n, id, why, false)
}

// reuseObject is reuse; pulled says the object came from the team cache,
// which need not have it pushed back.
func (r *runner) reuseObject(ctx context.Context, n *Node, id, why string, pulled bool) bool {
	// Recorded first, so that gc keeps it if the lookup finds it.
	if r.uses.Add(id, r.store.Target(id)) != nil {
		return false
	}
	res, ok, err := r.store.LookupVerified(id)
	if damaged, isDamaged := errors.AsType[*store.DamagedError](err); isDamaged {
		e := r.nodeEvent(events.StageLog, n)
		e.Line = fmt.Sprintf("warning: %v; not reusing it", damaged)
		r.emit(e)
	}
	if err != nil || !ok {
		return false
	}
	out, err := r.loadOutputs(n, id, res)
	if err != nil {
		return false
	}
	if own := r.id(n); id != own {
		r.store.Alias(own, id) // best effort: the next plan finds it by ID
	}
	st := r.states[n]
	st.outputs, st.res, st.object = out, res, id
	if !pulled || r.opts.CacheTo != r.opts.CacheFrom {
		// An object built before the cache was set up is shared too, and
		// one pulled from another cache.
		r.push(ctx, n, id)
	}
	e := r.nodeEvent(events.StageCached, n)
	e.Reason = why
	r.emit(e)
	r.finish(n, "cached", 0, nil)
	return true
}

func (r *runner) writeReport() {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.SortFunc(r.report, func(a, b reportEntry) int {
		return strings.Compare(a.Stage+"/"+a.Arch, b.Stage+"/"+b.Arch)
	})
	b, _ := json.MarshalIndent(map[string]any{
		"run":    r.runID,
		"recipe": r.plan.Recipe.Filename,
		"build":  r.plan.Build,
		"status": r.summary.Status,
		"failed": r.summary.Failed,
		"stages": r.report,
	}, "", "  ")
	os.WriteFile(filepath.Join(r.runDir, store.ReportFile), append(b, '\n'), 0o644)
}

// stageBuild is the build as a stage sees it: the release only for kinds
// that use it.
func (r *runner) stageBuild(n *Node) kind.Build {
	b := r.gate.build
	if !n.UsesRelease() {
		b.Release = ""
	}
	return b
}

// stageReleaseKey is the release key a stage records (upload), for kinds
// that use the release.
func (r *runner) stageReleaseKey(n *Node) string {
	if !n.UsesRelease() {
		return ""
	}
	return r.gate.key
}

// id is the stage ID a node runs under: the plan's, or, for a stage the
// release decides, the one the settled release gives.
func (r *runner) id(n *Node) string {
	if r.gate.decided[n] {
		select {
		case <-r.gate.settled:
			if id := r.gate.ids[n]; id != "" {
				return id
			}
		default:
		}
	}
	return n.ID
}

// results lists what the final stages made: the file outputs of every
// stage that succeeded and that no other stage needs.
func (r *runner) results() []events.Result {
	needed := map[*Node]bool{}
	for _, n := range r.plan.Nodes {
		for _, d := range n.Deps {
			needed[d] = true
		}
	}
	var out []events.Result
	for _, n := range r.plan.Nodes {
		st := r.states[n]
		if needed[n] || !st.ok || st.outputs == cty.NilVal || !st.outputs.Type().IsObjectType() {
			continue
		}
		res := events.Result{Stage: n.Name, Arch: n.Arch, Files: n.Kind.PathsOf(n.outputs, st.outputs)}
		for _, o := range n.Kind.Outputs {
			if v := st.outputs.GetAttr(o.Name); !o.Path && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
				if res.Values == nil {
					res.Values = map[string]string{}
				}
				res.Values[o.Name] = v.AsString()
			}
		}
		if len(res.Files) > 0 || len(res.Values) > 0 {
			out = append(out, res)
		}
	}
	return out
}
