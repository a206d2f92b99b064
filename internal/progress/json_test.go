package progress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/schemas"
)

func TestJSON(t *testing.T) {
	sch := eventSchema(t)
	var b bytes.Buffer
	r, err := New(JSON, &b)
	if err != nil {
		t.Fatal(err)
	}
	in := script()
	in = append(in, events.Event{Type: events.StageLog, Run: "r1", Stage: "x", Line: `<"quoted" & escaped>`})
	for _, e := range in {
		r.Emit(e)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&b)
	i := 0
	for ; sc.Scan(); i++ {
		line := sc.Bytes()
		if i >= len(in) {
			t.Fatalf("extra line %s", line)
		}
		want, _ := json.Marshal(in[i])
		if !bytes.Equal(line, want) {
			t.Errorf("line %d:\n got %s\nwant %s", i, line, want)
		}
		var back events.Event
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if !reflect.DeepEqual(back, in[i]) {
			t.Errorf("line %d round trip:\n got %+v\nwant %+v", i, back, in[i])
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("line %d %s: %v", i, line, err)
		}
	}
	if i != len(in) {
		t.Errorf("%d lines, want %d", i, len(in))
	}

	// The schema is strict: it rejects what the engine cannot emit.
	for _, bad := range []string{
		`{"type":"stage.log","run":"r1"}`,
		`{"type":"stage.exploded","time":"2025-06-01T12:00:00Z","run":"r1"}`,
		`{"type":"stage.log","time":"2025-06-01T12:00:00Z","run":"r1","extra":1}`,
		`{"type":"stage.done","time":"2025-06-01T12:00:00Z","run":"r1","duration_ns":"3s"}`,
		`{"type":"run.finished","time":"2025-06-01T12:00:00Z","run":"r1","status":"meh"}`,
	} {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}

// eventSchema compiles schemas/events.schema.json as embedded in the
// schemas package, asserting formats such as date-time.
func eventSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := schemas.FS.Open("events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("mem:///events.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("mem:///events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
