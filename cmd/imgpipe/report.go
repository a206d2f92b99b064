package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/progress"
)

// cmdReport shows a past run from its record in the store: the events it
// wrote (runs/<run>/events.jsonl) replayed as the plain CI log, its
// report.json, or one HTML page with every stage's log.
func cmdReport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("report", "[RUN]")
	var sf storeFlags
	sf.register(fs)
	// plain: the run's log as --progress plain printed it; json: its
	// report.json; html: one page.
	format := registerFormat(fs, "plain", "json", "html")
	output := fs.String("o", "", "write to this file instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("report takes at most one run, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	// Not store.Open: a report only reads, and must not make a store
	// where the user named the wrong directory.
	storeDir, err := sf.find()
	if err != nil {
		return err
	}
	st := &store.Store{Dir: storeDir}
	runs, err := st.Runs()
	if err == nil && len(runs) == 0 {
		err = errors.New("no run directories")
	}
	if err != nil {
		return usagef("%s has no runs (%v); name the store with --store", st.Dir, err)
	}
	run := ""
	if len(pos) == 1 {
		run, err = findRun(runs, pos[0])
	} else {
		run = runs[len(runs)-1] // run IDs start with their UTC start time
	}
	if err != nil {
		return err
	}
	dir := st.RunPath(run)

	w := a.stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch format.value {
	case "json":
		b, err := os.ReadFile(filepath.Join(dir, store.ReportFile))
		if err != nil {
			return fmt.Errorf("run %s has no report (it may still be running, or was killed): %w", run, err)
		}
		_, err = w.Write(b)
		return err
	case "html":
		evs, err := readEvents(filepath.Join(dir, store.EventsFile))
		if err != nil {
			return err
		}
		return writeHTMLReport(w, run, dir, evs)
	}
	evs, err := readEvents(filepath.Join(dir, store.EventsFile))
	if err != nil {
		return err
	}
	r, err := progress.New(progress.Plain, w)
	if err != nil {
		return err
	}
	for _, e := range evs {
		r.Emit(e)
	}
	if err := r.Close(); err != nil {
		return err
	}
	fmt.Fprintf(w, "logs: %s\n", dir)
	return nil
}

// findRun picks the run named by an ID or a unique prefix of one.
func findRun(runs []string, name string) (string, error) {
	var match []string
	for _, r := range runs {
		if r == name {
			return r, nil
		}
		if strings.HasPrefix(r, name) {
			match = append(match, r)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		last := runs[max(0, len(runs)-3):]
		return "", usagef("no run %q in this store; the newest: %s", name, strings.Join(last, ", "))
	default:
		return "", usagef("%q names %d runs (%s); give more of the run ID", name, len(match), strings.Join(match, ", "))
	}
}

// readEvents reads an events.jsonl. A run killed mid-write leaves a torn
// last line: the events before it are still worth showing.
func readEvents(path string) ([]events.Event, error) {
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

// htmlStage is one stage instance of the HTML report.
type htmlStage struct {
	Stage, Arch, Kind, ID, Status, Error string
	Duration                             string
	Log                                  []string
}

// writeHTMLReport writes one self-contained page: the run's outcome, a
// table of stage instances and each one's log, failed ones open.
func writeHTMLReport(w io.Writer, run, dir string, evs []events.Event) error {
	var (
		stages []*htmlStage
		byKey  = map[string]*htmlStage{}
		data   = struct {
			Run, Dir, Recipe, Status, Started, Took string
			Arches, Failed                          []string
			Stages                                  []*htmlStage
		}{Run: run, Dir: dir, Status: "unfinished (the run was killed or is still running)"}
		started time.Time
	)
	stage := func(e events.Event) *htmlStage {
		k := e.Stage + "\x00" + e.Arch
		s := byKey[k]
		if s == nil {
			s = &htmlStage{Stage: e.Stage, Arch: e.Arch, Kind: e.Kind, ID: e.ID, Status: "queued"}
			byKey[k] = s
			stages = append(stages, s)
		}
		return s
	}
	for _, e := range evs {
		switch e.Type {
		case events.RunStarted:
			started = e.Time
			data.Recipe, data.Arches, data.Started = e.Recipe, e.Arches, e.Time.UTC().Format(time.RFC3339)
		case events.RunFinished:
			data.Status, data.Failed = e.Status, e.FailedArches
			if e.Error != "" {
				data.Status += ": " + e.Error
			}
			if !started.IsZero() {
				data.Took = e.Time.Sub(started).Round(100 * time.Millisecond).String()
			}
		case events.StageQueued, events.StageStarted:
			s := stage(e)
			if e.Type == events.StageStarted {
				s.Status = "running"
			}
		case events.StageLog:
			s := stage(e)
			s.Log = append(s.Log, e.Line)
		case events.StageCached:
			stage(e).Status = "cached"
		case events.StageDone:
			s := stage(e)
			s.Status, s.Duration = "done", e.Duration.Round(100*time.Millisecond).String()
		case events.StageFailed, events.StageSkipped:
			s := stage(e)
			s.Status, s.Error = "failed", e.Error
			if e.Type == events.StageSkipped {
				s.Status = "skipped"
			}
			if e.Duration > 0 {
				s.Duration = e.Duration.Round(100 * time.Millisecond).String()
			}
		}
	}
	data.Stages = stages
	return reportTemplate().Execute(w, data)
}

// reportTemplate is parsed when first used, not at every imgpipe's start.
var reportTemplate = sync.OnceValue(func() *template.Template { return template.Must(template.New("report").Parse(reportHTML)) })

const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>imgpipe run {{.Run}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }
.failed { color: #b00020; } .skipped { color: #777; } .done { color: #1b5e20; } .cached { color: #555; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; }
</style>
</head>
<body>
<h1>Run {{.Run}}</h1>
<p>Recipe <code>{{.Recipe}}</code>{{with .Arches}} for {{range $i, $a := .}}{{if $i}}, {{end}}{{$a}}{{end}}{{end}}{{with .Started}}, started {{.}}{{end}}{{with .Took}}, took {{.}}{{end}}.</p>
<p>Status: <strong>{{.Status}}</strong>{{with .Failed}}; failed arches: {{range $i, $a := .}}{{if $i}}, {{end}}{{$a}}{{end}}{{end}}</p>
<p>Logs and files: <code>{{.Dir}}</code></p>
<table>
<tr><th>stage</th><th>arch</th><th>kind</th><th>status</th><th>time</th><th>error</th></tr>
{{range .Stages}}<tr><td><a href="#{{.Stage}}-{{.Arch}}">{{.Stage}}</a></td><td>{{.Arch}}</td><td>{{.Kind}}</td><td class="{{.Status}}">{{.Status}}</td><td>{{.Duration}}</td><td>{{.Error}}</td></tr>
{{end}}</table>
{{range .Stages}}{{if .Log}}
<details id="{{.Stage}}-{{.Arch}}"{{if eq .Status "failed"}} open{{end}}>
<summary>{{.Stage}} [{{.Arch}}] ({{.Kind}}, {{.Status}}) <code>{{.ID}}</code></summary>
<pre>
{{range .Log}}{{.}}
{{end}}</pre>
</details>{{end}}{{end}}
</body>
</html>
`
