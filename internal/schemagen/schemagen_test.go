package schemagen_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/imgpipe/imgpipe/internal/schemagen"
)

type Color string

type Inner struct {
	Name  string `json:"name"`
	Count uint   `json:"count,omitempty"`
}

type Base struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // shadowed by Sample.Kind
}

type Sample struct {
	Base
	Kind     int               `json:"kind"`
	When     time.Time         `json:"when"`
	Maybe    *time.Time        `json:"maybe"`
	Took     time.Duration     `json:"took_ns,omitempty"`
	Colors   []Color           `json:"colors,omitempty"`
	Labels   map[string]string `json:"labels"`
	Inner    Inner             `json:"inner"`
	Ptr      *Inner            `json:"ptr,omitempty"`
	List     []Inner           `json:"list,omitzero"`
	Raw      []byte            `json:"raw,omitempty"`
	Quoted   int64             `json:"quoted,string"`
	Pair     [2]float64        `json:"pair"`
	Any      any               `json:"any,omitempty"`
	OK       bool              `json:"ok"`
	Untagged string
	Skip     string `json:"-"`
	hidden   string //nolint:unused
}

func generator() *schemagen.Generator {
	return &schemagen.Generator{
		Docs: map[string]string{
			"kind":     "A kind & <number>.",
			"inner":    "An inner object.",
			"colors[]": "A color.",
		},
		Enums: map[string][]any{
			"colors[]": {Color("red"), Color("green")},
		},
	}
}

const wantSample = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "kind": {"description": "A kind & <number>.", "type": "integer"},
    "when": {"type": "string", "format": "date-time"},
    "maybe": {"type": ["string", "null"], "format": "date-time"},
    "took_ns": {"type": "integer"},
    "colors": {"type": "array", "items": {"description": "A color.", "type": "string", "enum": ["red", "green"]}},
    "labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
    "inner": {"description": "An inner object.", "type": "object",
      "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
      "required": ["name"], "additionalProperties": false},
    "ptr": {"type": "object",
      "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
      "required": ["name"], "additionalProperties": false},
    "list": {"type": "array", "items": {"type": "object",
      "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
      "required": ["name"], "additionalProperties": false}},
    "raw": {"type": "string", "contentEncoding": "base64"},
    "quoted": {"type": "string"},
    "pair": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
    "any": {},
    "ok": {"type": "boolean"},
    "Untagged": {"type": "string"}
  },
  "required": ["id", "kind", "when", "maybe", "labels", "inner", "quoted", "pair", "ok", "Untagged"],
  "additionalProperties": false
}`

func TestGenerate(t *testing.T) {
	s, err := schemagen.For[Sample](generator())
	if err != nil {
		t.Fatal(err)
	}
	got, err := schemagen.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Indent(&want, compact(t, wantSample), "", "  "); err != nil {
		t.Fatal(err)
	}
	// Compare structurally for the message, textually for order.
	if !bytes.Equal(compact(t, string(got)), compact(t, want.String())) {
		t.Errorf("schema:\n%s\nwant:\n%s", got, want.String())
	}
	if !bytes.HasSuffix(got, []byte("}\n")) || !strings.Contains(string(got), `"A kind & <number>."`) {
		t.Errorf("Marshal: want a final newline and no HTML escaping:\n%s", got)
	}
}

func compact(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return b.Bytes()
}

// TestValidates checks the generated schema is a valid 2020-12 schema that
// accepts what encoding/json produces and rejects what it cannot.
func TestValidates(t *testing.T) {
	s, err := schemagen.For[Sample](generator())
	if err != nil {
		t.Fatal(err)
	}
	sch := compile(t, s)

	now := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	good := []Sample{
		{},
		{
			Base: Base{ID: "x"}, Kind: 3, When: now, Maybe: &now, Took: time.Second,
			Colors: []Color{"red"}, Labels: map[string]string{"a": "b"},
			Inner: Inner{Name: "n", Count: 2}, Ptr: &Inner{}, List: []Inner{{}},
			Raw: []byte{1, 2}, Quoted: 7, Any: []int{1}, OK: true,
		},
	}
	for i, v := range good {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(decode(t, b)); err != nil {
			t.Errorf("good[%d] %s: %v", i, b, err)
		}
	}

	base, _ := json.Marshal(Sample{})
	bad := map[string]func(m map[string]any){
		"unknown property": func(m map[string]any) { m["extra"] = 1 },
		"missing required": func(m map[string]any) { delete(m, "id") },
		"wrong type":       func(m map[string]any) { m["kind"] = "3" },
		"not in enum":      func(m map[string]any) { m["colors"] = []any{"blue"} },
		"negative uint":    func(m map[string]any) { m["inner"] = map[string]any{"name": "", "count": -1} },
		"inner unknown":    func(m map[string]any) { m["inner"] = map[string]any{"name": "", "x": 1} },
		"bad date-time":    func(m map[string]any) { m["when"] = "yesterday" },
		"pair too long":    func(m map[string]any) { m["pair"] = []any{1, 2, 3} },
	}
	for name, mutate := range bad {
		m := decode(t, base).(map[string]any)
		mutate(m)
		if err := sch.Validate(m); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}

func compile(t *testing.T, s *schemagen.Schema) *jsonschema.Schema {
	t.Helper()
	b, err := schemagen.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("mem:///s.json", decode(t, b)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("mem:///s.json")
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, b)
	}
	return sch
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type node struct {
	Kids []node `json:"kids"`
}

type dupA struct {
	X string
}
type dupB struct {
	X string
}
type dup struct {
	dupA
	dupB
}

type marshaler struct{}

func (marshaler) MarshalJSON() ([]byte, error) { return []byte("1"), nil }

type withMarshaler struct {
	M marshaler `json:"m"`
}

type textual struct{ v string }

func (t textual) MarshalText() ([]byte, error) { return []byte(t.v), nil }

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *schemagen.Generator
		typ  reflect.Type
		want string
	}{
		{"unused doc", &schemagen.Generator{Docs: map[string]string{"nope": "x"}}, reflect.TypeFor[Inner](), "Docs[nope]"},
		{"unused enum", &schemagen.Generator{Enums: map[string][]any{"name[]": {"x"}}}, reflect.TypeFor[Inner](), "Enums[name[]]"},
		{"undocumented", &schemagen.Generator{RequireDocs: true, Docs: map[string]string{"name": "x"}}, reflect.TypeFor[Inner](), "without a description: count"},
		{"recursive", &schemagen.Generator{}, reflect.TypeFor[node](), "recursive"},
		{"ambiguous", &schemagen.Generator{}, reflect.TypeFor[dup](), `ambiguous JSON field "X"`},
		{"marshaler", &schemagen.Generator{}, reflect.TypeFor[withMarshaler](), "json.Marshaler"},
		{"map key", &schemagen.Generator{}, reflect.TypeFor[map[bool]int](), "map key"},
		{"chan", &schemagen.Generator{}, reflect.TypeFor[chan int](), "unsupported kind"},
	} {
		_, err := tc.g.Generate(tc.typ)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestOverridesAndText(t *testing.T) {
	g := &schemagen.Generator{
		Types: map[reflect.Type]*schemagen.Schema{
			reflect.TypeFor[marshaler](): {Type: schemagen.Types{"integer"}},
		},
		Docs: map[string]string{"m": "overridden"},
	}
	s, err := schemagen.For[withMarshaler](g)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Properties[0].Schema; p.Type[0] != "integer" || p.Description != "overridden" {
		t.Errorf("override: %+v", p)
	}
	if g.Types[reflect.TypeFor[marshaler]()].Description != "" {
		t.Error("override schema was modified in place")
	}
	s, err = schemagen.For[map[textual]textual](&schemagen.Generator{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := schemagen.Marshal(s); !bytes.Equal(compact(t, string(b)), compact(t,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":{"type":"string"}}`)) {
		t.Errorf("TextMarshaler map: %s", b)
	}
}
