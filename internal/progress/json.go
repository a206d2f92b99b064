package progress

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/imgpipe/imgpipe/engine/events"
)

// jsonLines writes each event as json.Marshal(event) and a newline.
type jsonLines struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
	err    error
}

func newJSON(w io.Writer) *jsonLines { return &jsonLines{w: w} }

func (j *jsonLines) Emit(e events.Event) {
	b, err := json.Marshal(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return
	}
	if err == nil {
		_, err = j.w.Write(append(b, '\n'))
	}
	if err != nil && j.err == nil {
		j.err = err
	}
}

func (j *jsonLines) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	return j.err
}
