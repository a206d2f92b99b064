package report

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/store"
)

// pollInterval is how often a live run's events.jsonl is read for new
// lines.
const pollInterval = 200 * time.Millisecond

// Server serves a store's runs, builds and files, read-only: every file
// is opened through an os.Root on the store, so neither a `..` nor a
// symlink leads out of it.
type Server struct {
	store *store.Store
	root  *os.Root
	links Links
	mux   *http.ServeMux
}

// NewServer opens the store's directory for serving. Close releases it.
func NewServer(st *store.Store) (*Server, error) {
	root, err := os.OpenRoot(st.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{store: st, root: root, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /runs/{run}/{$}", s.run)
	s.mux.HandleFunc("GET /runs/{run}/events", s.events)
	s.mux.HandleFunc("GET /builds/{nvr}/{$}", s.build)
	s.mux.HandleFunc("GET /files/{path...}", s.file)
	return s, nil
}

// Close closes the store's root.
func (s *Server) Close() error { return s.root.Close() }

// scriptCSP allows the pages' one script, by its hash, and nothing else
// from anywhere but the server itself.
var scriptCSP = func() string {
	js, _ := templateFS.ReadFile("templates/page.js")
	sum := sha256.Sum256(js)
	return "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; connect-src 'self'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// A `..` is refused here, not cleaned into another page: no name
	// under this server leads upward.
	for _, el := range strings.Split(r.URL.Path, "/") {
		if el == ".." {
			http.NotFound(w, r)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "read-only", http.StatusMethodNotAllowed)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func page(w http.ResponseWriter, render func(io.Writer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", scriptCSP)
	w.Write(buf.Bytes())
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	ix, err := NewIndex(s.store, s.links)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	page(w, func(out io.Writer) error { return WriteIndex(out, ix) })
}

// runID checks a run's name: one directory under runs/.
func (s *Server) runID(r *http.Request) (string, bool) {
	id := r.PathValue("run")
	if !validName(id) {
		return "", false
	}
	info, err := s.root.Stat("runs/" + id)
	return id, err == nil && info.IsDir()
}

func validName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p, err := NewRunPage(s.store, id, s.links, time.Now())
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	page(w, func(out io.Writer) error { return WriteRun(out, p) })
}

func (s *Server) build(w http.ResponseWriter, r *http.Request) {
	nvr := r.PathValue("nvr")
	rec, ok, err := s.store.FindBuild(nvr)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !ok || (rec.State != store.BuildPublished && rec.State != store.BuildScratch) {
		http.NotFound(w, r)
		return
	}
	b, err := LoadBuild(s.store, rec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	page(w, func(out io.Writer) error { return WriteBuild(out, &BuildPage{Build: b, Links: s.links}) })
}

// events streams a run's events.jsonl as server-sent events, following
// the file as the run appends to it, until run.finished or the client
// leaves. Each event's id is its line number, so a reconnecting
// EventSource resumes where it was.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	skip := 0
	fmt.Sscan(r.Header.Get("Last-Event-ID"), &skip)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	if err := tailEvents(r.Context(), s.root, "runs/"+id+"/"+store.EventsFile, skip, func(n int, line []byte) error {
		if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", n, line); err != nil {
			return err
		}
		return rc.Flush()
	}); err != nil && r.Context().Err() == nil {
		fmt.Fprintf(w, "event: error\ndata: %q\n\n", err.Error())
	}
}

// tailEvents calls send with each complete line of an events file, from
// line skip+1, polling for more until a run.finished line or ctx ends.
func tailEvents(ctx context.Context, root *os.Root, name string, skip int, send func(n int, line []byte) error) error {
	var f *os.File
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for f == nil {
		var err error
		if f, err = root.Open(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if f == nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 64<<10)
	var partial []byte
	n := 0
	for {
		chunk, err := rd.ReadBytes('\n')
		partial = append(partial, chunk...)
		if err == nil {
			line := bytes.TrimSuffix(partial, []byte("\n"))
			partial = partial[:0]
			n++
			if n <= skip {
				continue
			}
			if err := send(n, line); err != nil {
				return err
			}
			if bytes.Contains(line, []byte(`"type":"`+string(events.RunFinished)+`"`)) {
				return nil
			}
			continue
		}
		if err != io.EOF {
			return err
		}
		if len(partial) > 16<<20 {
			return errors.New("an event line longer than 16 MiB")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// file serves a file or lists a directory of the store. Only names inside
// the store open: os.Root refuses `..` and symlinks that lead out.
// servedDirs are the store's directories /files/ serves.
var servedDirs = map[string]bool{"runs": true, "builds": true, "scratch": true}

func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	rel := r.PathValue("path")
	for _, el := range strings.Split(rel, "/") {
		if el == ".." || strings.ContainsAny(el, "\\\x00") {
			http.NotFound(w, r)
			return
		}
	}
	name := path.Clean("/" + rel)[1:]
	// What the pages show: runs and builds. Objects (a kickstart with its
	// passwords is a build input there: docs/reliability-secrets.md),
	// keys/ and tmp/ are not served.
	if top, _, _ := strings.Cut(name, "/"); !servedDirs[top] {
		http.NotFound(w, r)
		return
	}
	f, err := s.root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	if info.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") && rel != "" {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		entries, err := f.ReadDir(-1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		page(w, func(out io.Writer) error {
			return listingTemplate.Execute(out, map[string]any{"Dir": name, "Entries": entries})
		})
		return
	}
	if !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	ct := contentType(name, f)
	w.Header().Set("Content-Type", ct)
	if !isText(ct) {
		http.ServeContent(w, r, "", info.ModTime(), f)
		return
	}
	// Text is masked as it is served, whole (no ranges): a console or a
	// log a stage kept may hold a URL's password or a kickstart's.
	w.Header().Set("Last-Modified", info.ModTime().UTC().Format(http.TimeFormat))
	if r.Method == http.MethodHead {
		return
	}
	copyMasked(w, f)
}

// contentType never says HTML: a log or a kickstart a recipe controls
// must show as text, not run as a page of this server.
func contentType(name string, f *os.File) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png":
		return "image/png"
	case ".json":
		return "application/json"
	}
	head := make([]byte, 512)
	n, _ := f.Read(head)
	f.Seek(0, io.SeekStart)
	if strings.HasPrefix(http.DetectContentType(head[:n]), "text/") {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

var listingTemplate = template.Must(template.New("listing").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Dir}}</title></head>
<body><h1>{{.Dir}}</h1><ul>
<li><a href="../">../</a></li>
{{range .Entries}}<li><a href="./{{.Name}}{{if .IsDir}}/{{end}}">{{.Name}}{{if .IsDir}}/{{end}}</a></li>
{{end}}</ul></body></html>
`))
