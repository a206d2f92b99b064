package kojihubtest

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/internal/kojihub"
)

// Hub is a running fake hub.
type Hub struct {
	// URL is the hub's URL for well-behaved answers (…/kojihub).
	URL string
	// CAFile is a PEM file of the certificate to trust for it (a
	// profile's serverca, or SSL_CERT_FILE).
	CAFile string

	srv       *httptest.Server
	closing   chan struct{}     // closed by Close: ends the hanging calls
	responses map[string]string // call key → response file
	offline   string
}

// call is one entry of a scenario's calls.json.
type call struct {
	Method   string          `json:"method"`
	Params   json.RawMessage `json:"params"`
	Response string          `json:"response"`
}

// Scenario returns the directory of a scenario of testdata, by name.
func Scenario(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", name)
}

// Scenarios lists the recorded scenarios of testdata.
func Scenarios() ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(Scenario("*"), "calls.json"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range matches {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	return names, nil
}

// New starts a hub answering the calls of the scenario directories dirs
// (Scenario), and stops it when the test ends.
func New(t testing.TB, dirs ...string) *Hub {
	t.Helper()
	h, err := Start(t.TempDir(), dirs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// Start starts a hub answering the calls of the scenario directories
// dirs; its CA file is written to tmp. Close stops it.
func Start(tmp string, dirs ...string) (*Hub, error) {
	h := &Hub{responses: map[string]string{}, closing: make(chan struct{})}
	offline := filepath.Join(Scenario(""), "offline.xml")
	if _, err := os.Stat(offline); err != nil {
		return nil, err
	}
	h.offline = offline
	for _, dir := range dirs {
		responses, err := loadCalls(dir)
		if err != nil {
			return nil, err
		}
		for key, file := range responses {
			if prev, ok := h.responses[key]; ok {
				return nil, fmt.Errorf("%s is recorded twice: %s and %s; give the scenarios' tasks and builds other IDs", key, prev, file)
			}
			h.responses[key] = file
		}
	}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	// Tests refuse its certificate on purpose: no log of each handshake.
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	h.srv.StartTLS()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw})
	h.CAFile = filepath.Join(tmp, "kojihub-ca.pem")
	if err := os.WriteFile(h.CAFile, ca, 0o644); err != nil {
		h.srv.Close()
		return nil, err
	}
	h.URL = h.srv.URL + "/kojihub"
	return h, nil
}

// loadCalls reads a scenario directory's calls.json: call key (Key) →
// response file.
func loadCalls(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "calls.json"))
	if err != nil {
		return nil, err
	}
	var calls []call
	if err := json.Unmarshal(b, &calls); err != nil {
		return nil, fmt.Errorf("%s/calls.json: %w", dir, err)
	}
	responses := map[string]string{}
	for _, c := range calls {
		var params []any
		d := json.NewDecoder(bytes.NewReader(c.Params))
		d.UseNumber()
		if err := d.Decode(&params); err != nil {
			return nil, fmt.Errorf("%s/calls.json: %s: %w", dir, c.Method, err)
		}
		key, err := Key(c.Method, params)
		if err != nil {
			return nil, err
		}
		if prev, ok := responses[key]; ok {
			return nil, fmt.Errorf("%s is recorded twice: %s and %s", key, prev, c.Response)
		}
		responses[key] = filepath.Join(dir, c.Response)
	}
	return responses, nil
}

// Response returns the response recorded in the scenario directory dir
// (Scenario) for method(params...), the bytes the hub would send: for
// tests that decode the recordings without a server, or check what the
// hub said.
func Response(dir, method string, params ...any) ([]byte, error) {
	responses, err := loadCalls(dir)
	if err != nil {
		return nil, err
	}
	key, err := Key(method, params)
	if err != nil {
		return nil, err
	}
	file, ok := responses[key]
	if !ok {
		return nil, fmt.Errorf("%s: no recorded response for %s", dir, key)
	}
	return os.ReadFile(file)
}

// At returns the URL of the hub misbehaving as mode says: hang, garbage,
// huge, offline or broken.
func (h *Hub) At(mode string) string { return h.srv.URL + "/" + mode + "/kojihub" }

// Close stops the hub, ending the calls it holds.
func (h *Hub) Close() {
	close(h.closing)
	h.srv.CloseClientConnections()
	h.srv.Close()
}

// Key is how a call is looked up: the method and the JSON of its
// parameters (numbers as their digits, struct members sorted).
func Key(method string, params []any) (string, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return "", fmt.Errorf("%s: %w", method, err)
	}
	return method + string(b), nil
}

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	mode, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch mode {
	case "hang":
		// Reading the whole request makes the server watch the connection,
		// so the context ends when the client gives up.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-h.closing:
		}
		return
	case "garbage":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body><h1>Welcome to nginx!</h1>\n")
		return
	case "huge":
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>")
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 1 << 14 { // 1 GiB at most: the client stops reading long before
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	case "offline":
		h.file(w, h.offline)
		return
	case "broken":
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "kojihubtest: XML-RPC calls are POSTs", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method, params, err := kojihub.DecodeCall(body)
	if err != nil {
		http.Error(w, "kojihubtest: "+err.Error(), http.StatusBadRequest)
		return
	}
	key, err := Key(method, params)
	if err != nil {
		http.Error(w, "kojihubtest: "+err.Error(), http.StatusBadRequest)
		return
	}
	file, ok := h.responses[key]
	if !ok {
		http.Error(w, "kojihubtest: no recorded response for "+key, http.StatusInternalServerError)
		return
	}
	h.file(w, file)
}

func (h *Hub) file(w http.ResponseWriter, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		http.Error(w, "kojihubtest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write(b)
}
