package schemagen

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Draft is the JSON Schema dialect of every generated schema.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// Schema is one JSON Schema node. It has only the keywords the generator
// emits; field order is the order they are written in.
type Schema struct {
	Schema          string     `json:"$schema,omitempty"`
	ID              string     `json:"$id,omitempty"`
	Title           string     `json:"title,omitempty"`
	Description     string     `json:"description,omitempty"`
	Type            Types      `json:"type,omitempty"`
	Format          string     `json:"format,omitempty"`
	ContentEncoding string     `json:"contentEncoding,omitempty"`
	Enum            []any      `json:"enum,omitempty"`
	Minimum         *int64     `json:"minimum,omitempty"`
	MinItems        *int       `json:"minItems,omitempty"`
	MaxItems        *int       `json:"maxItems,omitempty"`
	Items           *Schema    `json:"items,omitempty"`
	Properties      Properties `json:"properties,omitempty"`
	Required        []string   `json:"required,omitempty"`
	// AdditionalProperties is nil, a bool or a *Schema.
	AdditionalProperties any `json:"additionalProperties,omitempty"`
}

// Types is the "type" keyword: written as a string when it has one member,
// as an array otherwise.
type Types []string

// MarshalJSON implements json.Marshaler.
func (t Types) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

// Property is one member of "properties".
type Property struct {
	Name   string
	Schema *Schema
}

// Properties is the "properties" keyword, kept in struct field order.
type Properties []Property

// MarshalJSON implements json.Marshaler, writing an object whose members
// are in slice order.
func (ps Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(p.Name)
		if err != nil {
			return nil, err
		}
		v, err := marshal(p.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Generator turns Go types into schemas. The zero value works; the maps
// add what reflection cannot see.
//
// Keys of Docs and Enums are property paths: JSON names joined by ".",
// with "[]" appended for the items of an array and "{}" for the values of
// a map. For example "arches" is an array property and "arches[]" each of
// its items; "plan.stages[].id" is a property of an object in an array.
type Generator struct {
	// Docs gives descriptions.
	Docs map[string]string
	// Enums lists the allowed values of a property or item.
	Enums map[string][]any
	// Types overrides the schema of a Go type wherever it occurs. It is
	// needed for types that implement json.Marshaler (other than
	// time.Time), whose JSON form reflection cannot infer.
	Types map[reflect.Type]*Schema
	// RequireDocs makes Generate fail for a property without a Docs entry,
	// so a new field cannot be published undocumented.
	RequireDocs bool
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// Generate returns the schema of the JSON encoding of values of type t,
// with "$schema" set. The caller may set ID, Title and Description.
func (g *Generator) Generate(t reflect.Type) (*Schema, error) {
	st := &state{g: g, used: map[string]bool{}, visiting: map[reflect.Type]bool{}}
	s, err := st.schema(t, "")
	if err != nil {
		return nil, err
	}
	var unused []string
	for k := range g.Docs {
		if !st.used["doc:"+k] {
			unused = append(unused, "Docs["+k+"]")
		}
	}
	for k := range g.Enums {
		if !st.used["enum:"+k] {
			unused = append(unused, "Enums["+k+"]")
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("schemagen: %s: no such property: %s", t, strings.Join(unused, ", "))
	}
	if len(st.undocumented) > 0 {
		return nil, fmt.Errorf("schemagen: %s: properties without a description: %s", t, strings.Join(st.undocumented, ", "))
	}
	s.Schema = Draft
	return s, nil
}

// For is Generate for the type parameter.
func For[T any](g *Generator) (*Schema, error) {
	return g.Generate(reflect.TypeFor[T]())
}

// Marshal returns s as indented JSON with a final newline, the form the
// schema files are committed in. HTML characters are not escaped.
func Marshal(s *Schema) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type state struct {
	g            *Generator
	used         map[string]bool
	visiting     map[reflect.Type]bool
	undocumented []string
}

// annotate adds the description and enum for path to s.
func (st *state) annotate(s *Schema, path string, documented bool) {
	if d, ok := st.g.Docs[path]; ok {
		s.Description = d
		st.used["doc:"+path] = true
	} else if documented && st.g.RequireDocs {
		st.undocumented = append(st.undocumented, path)
	}
	if e, ok := st.g.Enums[path]; ok {
		s.Enum = e
		st.used["enum:"+path] = true
	}
}

func (st *state) schema(t reflect.Type, path string) (*Schema, error) {
	if o, ok := st.g.Types[t]; ok {
		c := *o
		return &c, nil
	}
	if t == timeType {
		return &Schema{Type: Types{"string"}, Format: "date-time"}, nil
	}
	if t.Kind() == reflect.Pointer {
		if o, ok := st.g.Types[t.Elem()]; ok {
			c := *o
			return &c, nil
		}
		if t.Elem() == timeType {
			return &Schema{Type: Types{"string"}, Format: "date-time"}, nil
		}
	}
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) {
		return nil, fmt.Errorf("schemagen: %s implements json.Marshaler; give its schema in Generator.Types", t)
	}
	if t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return &Schema{Type: Types{"string"}}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: Types{"boolean"}}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &Schema{Type: Types{"integer"}}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		zero := int64(0)
		return &Schema{Type: Types{"integer"}, Minimum: &zero}, nil
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: Types{"number"}}, nil
	case reflect.String:
		return &Schema{Type: Types{"string"}}, nil
	case reflect.Interface:
		return &Schema{}, nil
	case reflect.Pointer:
		return st.schema(t.Elem(), path)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(jsonMarshalerType) && !t.Elem().Implements(textMarshalerType) {
			if t.Kind() == reflect.Slice {
				return &Schema{Type: Types{"string"}, ContentEncoding: "base64"}, nil
			}
		}
		items, err := st.schema(t.Elem(), path+"[]")
		if err != nil {
			return nil, err
		}
		st.annotate(items, path+"[]", false)
		s := &Schema{Type: Types{"array"}, Items: items}
		if t.Kind() == reflect.Array {
			n := t.Len()
			s.MinItems, s.MaxItems = &n, &n
		}
		return s, nil
	case reflect.Map:
		switch k := t.Key(); {
		case k.Kind() == reflect.String,
			k.Implements(textMarshalerType),
			k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return nil, fmt.Errorf("schemagen: %s: unsupported map key type %s", t, k)
		}
		vals, err := st.schema(t.Elem(), path+"{}")
		if err != nil {
			return nil, err
		}
		st.annotate(vals, path+"{}", false)
		return &Schema{Type: Types{"object"}, AdditionalProperties: vals}, nil
	case reflect.Struct:
		return st.object(t, path)
	}
	return nil, fmt.Errorf("schemagen: %s: unsupported kind %s", t, t.Kind())
}

// field is one JSON member of a struct, after flattening embedded structs.
type field struct {
	name      string
	typ       reflect.Type
	depth     int
	tagged    bool
	optional  bool // omitempty or omitzero
	quoted    bool // ,string
	dominated bool
}

func (st *state) object(t reflect.Type, path string) (*Schema, error) {
	if st.visiting[t] {
		return nil, fmt.Errorf("schemagen: %s: recursive types are not supported", t)
	}
	st.visiting[t] = true
	defer delete(st.visiting, t)

	fields, err := structFields(t)
	if err != nil {
		return nil, err
	}
	s := &Schema{Type: Types{"object"}, AdditionalProperties: false}
	for _, f := range fields {
		p := f.name
		if path != "" {
			p = path + "." + f.name
		}
		fs, err := st.schema(f.typ, p)
		if err != nil {
			return nil, err
		}
		if f.quoted {
			switch f.typ.Kind() {
			case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64, reflect.String:
				fs = &Schema{Type: Types{"string"}}
			}
		}
		if !f.optional {
			switch f.typ.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map:
				if len(fs.Type) > 0 {
					fs.Type = append(fs.Type, "null")
				}
			}
			s.Required = append(s.Required, f.name)
		}
		st.annotate(fs, p, true)
		s.Properties = append(s.Properties, Property{Name: f.name, Schema: fs})
	}
	return s, nil
}

// structFields lists the JSON members of struct t in field order, with
// embedded structs flattened as encoding/json does.
func structFields(t reflect.Type) ([]field, error) {
	var all []field
	var walk func(t reflect.Type, depth int, seen map[reflect.Type]bool) error
	walk = func(t reflect.Type, depth int, seen map[reflect.Type]bool) error {
		if seen[t] {
			return nil
		}
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			tag, hasTag := sf.Tag.Lookup("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if !sf.IsExported() && et.Kind() != reflect.Struct {
					continue
				}
				if name == "" && et.Kind() == reflect.Struct {
					if err := walk(et, depth+1, seen); err != nil {
						return err
					}
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			f := field{name: name, typ: ft, depth: depth, tagged: hasTag && name != ""}
			if f.name == "" {
				f.name = sf.Name
			}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					f.optional = true
				case "string":
					f.quoted = true
				}
			}
			all = append(all, f)
		}
		return nil
	}
	if err := walk(t, 0, map[reflect.Type]bool{}); err != nil {
		return nil, err
	}
	// Dominance: of the fields sharing a name, the shallowest wins; at equal
	// depth a tagged one wins; otherwise encoding/json drops them all, which
	// is almost certainly a mistake, so it is an error here.
	byName := map[string][]int{}
	for i, f := range all {
		byName[f.name] = append(byName[f.name], i)
	}
	for name, idx := range byName {
		if len(idx) == 1 {
			continue
		}
		best := -1
		ambiguous := false
		for _, i := range idx {
			switch {
			case best < 0 || all[i].depth < all[best].depth ||
				(all[i].depth == all[best].depth && all[i].tagged && !all[best].tagged):
				best, ambiguous = i, false
			case all[i].depth == all[best].depth && all[i].tagged == all[best].tagged:
				ambiguous = true
			}
		}
		if ambiguous {
			return nil, fmt.Errorf("schemagen: %s: ambiguous JSON field %q", t, name)
		}
		for _, i := range idx {
			if i != best {
				all[i].dominated = true
			}
		}
	}
	out := all[:0]
	for _, f := range all {
		if !f.dominated {
			out = append(out, f)
		}
	}
	return out, nil
}
