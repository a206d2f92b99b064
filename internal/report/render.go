package report

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imgpipe/imgpipe/engine/store"
)

//go:embed templates/*.tmpl templates/style.css templates/page.js
var templateFS embed.FS

var templates = sync.OnceValue(func() *template.Template {
	t := template.New("").Funcs(template.FuncMap{
		"time": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05Z")
		},
		"pct":  func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) + "%" },
		"join": strings.Join,
	})
	t = template.Must(t.ParseFS(templateFS, "templates/*.tmpl"))
	css, _ := templateFS.ReadFile("templates/style.css")
	js, _ := templateFS.ReadFile("templates/page.js")
	template.Must(t.New("css").Parse(`{{define "css"}}` + string(css) + `{{end}}`))
	template.Must(t.New("js").Parse(`{{define "js"}}` + string(js) + `{{end}}`))
	return t
})

// Links makes the pages' links: Static ones for a report written as a
// file (file:// URLs into the store, screenshots inlined), served ones
// for `imgpipe serve`.
type Links struct {
	Static   bool
	StoreDir string // absolute
}

// File links a path relative to the store.
func (l Links) File(rel string) template.URL {
	if l.Static {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(l.StoreDir, filepath.FromSlash(rel)))}
		return template.URL(u.String())
	}
	return template.URL("/files/" + escapePath(rel))
}

// Run links a run's page.
func (l Links) Run(id string) template.URL {
	if l.Static {
		return l.File("runs/" + id + "/" + store.EventsFile)
	}
	return template.URL("/runs/" + url.PathEscape(id) + "/")
}

// Build links a build's page (Static: the run page's build section).
func (l Links) Build(nvr string) template.URL {
	if l.Static {
		return "#build"
	}
	return template.URL("/builds/" + url.PathEscape(nvr) + "/")
}

func escapePath(rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// StageFile is a file a stage left in its run directory: its console, its
// screenshot.
type StageFile struct {
	Name, Rel string
	Size      int64
	Image     template.URL // a screenshot: its data: URL (Static) or link
	Text      string       // a console: its last maxConsole bytes
}

const (
	maxConsole   = 64 << 10
	maxInlinePNG = 4 << 20
)

// RunPage is what a run's page shows.
type RunPage struct {
	Run      *Run
	Links    Links
	Graph    *Graph
	Timeline []TimelineRow
	Span     string
	Files    map[string][]StageFile // by stage anchor
	Build    *Build
	Live     bool // served and still running: the page follows its events
}

// NewRunPage gathers a run's page from the store.
func NewRunPage(st *store.Store, id string, links Links, now time.Time) (*RunPage, error) {
	r, err := LoadRun(st, id)
	if err != nil {
		return nil, err
	}
	p := &RunPage{Run: r, Links: links, Graph: Layout(r.Stages), Files: map[string][]StageFile{}}
	p.Timeline, p.Span = Timeline(r, now)
	p.Live = !links.Static && r.Status == "running"
	for _, s := range r.Stages {
		p.Files[s.Anchor()] = stageFiles(st, links, id, s)
	}
	if p.Build, err = FindRunBuild(st, r); err != nil {
		return nil, err
	}
	return p, nil
}

func stageFiles(st *store.Store, links Links, run string, s *Stage) []StageFile {
	rel := "runs/" + run + "/" + s.Arch + "/" + s.Name
	dir := filepath.Join(st.Dir, filepath.FromSlash(rel))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []StageFile
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		f := StageFile{Name: e.Name(), Rel: rel + "/" + e.Name(), Size: info.Size()}
		path := filepath.Join(dir, e.Name())
		switch {
		case strings.HasSuffix(f.Name, ".png"):
			f.Image = links.File(f.Rel)
			if links.Static && f.Size <= maxInlinePNG {
				if b, err := os.ReadFile(path); err == nil {
					f.Image = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
				}
			}
		case isConsole(f.Name):
			f.Text = maskText(tail(path, maxConsole))
		}
		out = append(out, f)
	}
	return out
}

// isConsole reports whether a kept file is a console log, shown inline:
// guest-install's install-console.log and boot-verify's boot-console.log
// (their consoleFile), or a console* file.
func isConsole(name string) bool {
	return strings.HasPrefix(name, "console") || strings.HasSuffix(name, "-console.log")
}

func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > n {
		f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(io.LimitReader(f, n))
	return string(b)
}

// WriteRun writes a run's page.
func WriteRun(w io.Writer, p *RunPage) error {
	return templates().ExecuteTemplate(w, "run.tmpl", p)
}

// BuildPage is what a build's page shows.
type BuildPage struct {
	Build *Build
	Links Links
}

// WriteBuild writes a build's page.
func WriteBuild(w io.Writer, p *BuildPage) error {
	return templates().ExecuteTemplate(w, "buildpage.tmpl", p)
}

// IndexRun is one run of the index.
type IndexRun struct {
	ID, Status string
}

// Index is what the store's front page shows.
type Index struct {
	Store  string
	Runs   []IndexRun // newest first
	Builds []store.BuildRecord
	Links  Links
}

// maxIndexRuns bounds the runs the index lists.
const maxIndexRuns = 500

// NewIndex lists the store's runs and builds.
func NewIndex(st *store.Store, links Links) (*Index, error) {
	ix := &Index{Store: st.Dir, Links: links}
	runs, err := st.Runs()
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	slices.Reverse(runs)
	for _, id := range runs[:min(len(runs), maxIndexRuns)] {
		r := IndexRun{ID: id, Status: "running or killed"}
		var rep struct {
			Status string `json:"status"`
		}
		if b, err := os.ReadFile(filepath.Join(st.RunPath(id), store.ReportFile)); err == nil && json.Unmarshal(b, &rep) == nil {
			r.Status = rep.Status
		}
		ix.Runs = append(ix.Runs, r)
	}
	if ix.Builds, err = st.AllBuilds(); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return ix, nil
}

// WriteIndex writes the store's front page.
func WriteIndex(w io.Writer, ix *Index) error {
	return templates().ExecuteTemplate(w, "index.tmpl", ix)
}
