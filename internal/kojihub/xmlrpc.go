package kojihub

// The XML-RPC codec. It is written on encoding/xml rather than taken from a
// Go XML-RPC library because Koji's wire format is XML-RPC plus extensions
// the common libraries lack or get wrong: <nil/> (allow_none is always on),
// <i8> for integers beyond 32 bits (koji/xmlrpcplus.py dump_int), integers
// of any size on decoding (Python's unmarshaller reads <int> with int()),
// and kwargs as a struct flagged __starstar (koji encode_args). The
// libraries in reach either drop <nil/> or <i8>, or have been unmaintained
// for years; the codec here is small and tested against bytes made by
// Koji's own marshaller (kojihubtest's testdata). encoding/xml expands no
// entities a document declares, so the entity attacks defusedxml guards
// Koji against cannot happen here.

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kwargs are keyword arguments: as the last argument of Call, they are
// sent as Koji's encode_args sends **opts, a struct with __starstar set.
type Kwargs map[string]any

// maxDepth bounds the nesting of arrays and structs in a document: Koji's
// values nest a few levels; a document nested deeper is garbage.
const maxDepth = 200

// dateLayouts are the forms of dateTime.iso8601 Python's xmlrpc writes
// and reads.
var dateLayouts = []string{"20060102T15:04:05", "2006-01-02T15:04:05", "20060102T15:04:05Z07:00"}

// EncodeCall writes a methodCall document, as koji.xmlrpcplus.dumps(args,
// method) does.
func EncodeCall(method string, args []any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	xml.EscapeText(&b, []byte(method))
	b.WriteString("</methodName>\n<params>\n")
	for i, a := range args {
		if kw, ok := a.(Kwargs); ok {
			if i != len(args)-1 {
				return nil, fmt.Errorf("kwargs must be the last argument")
			}
			m := make(map[string]any, len(kw)+1)
			for k, v := range kw {
				m[k] = v
			}
			m["__starstar"] = true
			a = m
		}
		b.WriteString("<param>\n")
		if err := encodeValue(&b, a); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.Bytes(), nil
}

func encodeValue(b *bytes.Buffer, v any) error {
	b.WriteString("<value>")
	defer b.WriteString("</value>\n")
	switch v := v.(type) {
	case nil:
		b.WriteString("<nil/>")
	case bool:
		if v {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case string:
		b.WriteString("<string>")
		xml.EscapeText(b, []byte(v))
		b.WriteString("</string>")
	case int:
		encodeInt(b, int64(v))
	case int64:
		encodeInt(b, v)
	case int32:
		encodeInt(b, int64(v))
	case *big.Int:
		if !v.IsInt64() {
			return fmt.Errorf("integer %s exceeds XML-RPC limits (64 bits)", v)
		}
		encodeInt(b, v.Int64())
	case float64:
		b.WriteString("<double>" + strconv.FormatFloat(v, 'g', -1, 64) + "</double>")
	case []byte:
		b.WriteString("<base64>" + base64.StdEncoding.EncodeToString(v) + "</base64>")
	case time.Time:
		b.WriteString("<dateTime.iso8601>" + v.Format(dateLayouts[0]) + "</dateTime.iso8601>")
	default:
		rv := reflect.ValueOf(v)
		switch {
		case rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array:
			b.WriteString("<array><data>\n")
			for i := range rv.Len() {
				if err := encodeValue(b, rv.Index(i).Interface()); err != nil {
					return err
				}
			}
			b.WriteString("</data></array>")
		case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
			keys := make([]string, 0, rv.Len())
			for _, k := range rv.MapKeys() {
				keys = append(keys, k.String())
			}
			sort.Strings(keys)
			b.WriteString("<struct>\n")
			for _, k := range keys {
				b.WriteString("<member>\n<name>")
				xml.EscapeText(b, []byte(k))
				b.WriteString("</name>\n")
				if err := encodeValue(b, rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface()); err != nil {
					return err
				}
				b.WriteString("</member>\n")
			}
			b.WriteString("</struct>")
		default:
			return fmt.Errorf("cannot send a %T over XML-RPC", v)
		}
	}
	return nil
}

func encodeInt(b *bytes.Buffer, v int64) {
	if v > math.MaxInt32 || v < math.MinInt32 {
		b.WriteString("<i8>" + strconv.FormatInt(v, 10) + "</i8>")
		return
	}
	b.WriteString("<int>" + strconv.FormatInt(v, 10) + "</int>")
}

// ErrMalformed is the error of a document that is not the XML-RPC
// expected: not XML, or XML of another shape.
var ErrMalformed = errors.New("malformed XML-RPC")

// DecodeResponse reads a methodResponse document: its one value, or a
// *Fault.
func DecodeResponse(data []byte) (any, error) {
	d := newDecoder(data)
	if err := d.open("methodResponse"); err != nil {
		return nil, err
	}
	name, err := d.openAny()
	if err != nil {
		return nil, err
	}
	switch name {
	case "params":
		if err := d.open("param"); err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if err := d.closeN(3); err != nil { // param, params, methodResponse
			return nil, err
		}
		return v, d.end()
	case "fault":
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if err := d.closeN(2); err != nil {
			return nil, err
		}
		if err := d.end(); err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		code, okCode := m["faultCode"].(int64)
		msg, okMsg := m["faultString"].(string)
		if !ok || !okCode || !okMsg {
			return nil, fmt.Errorf("%w: a fault without faultCode and faultString", ErrMalformed)
		}
		return nil, &Fault{Code: code, String: msg}
	}
	return nil, fmt.Errorf("%w: <methodResponse> holds <%s>, not <params> or <fault>", ErrMalformed, name)
}

// DecodeCall reads a methodCall document: the method and its parameters
// (kwargs stay the struct flagged __starstar, as the hub sees them).
func DecodeCall(data []byte) (method string, params []any, err error) {
	d := newDecoder(data)
	if err := d.open("methodCall"); err != nil {
		return "", nil, err
	}
	if err := d.open("methodName"); err != nil {
		return "", nil, err
	}
	if method, err = d.text(); err != nil {
		return "", nil, err
	}
	params = []any{}
	name, err := d.openOrClose()
	if err != nil {
		return "", nil, err
	}
	if name == "" { // </methodCall>: no params
		return method, params, d.end()
	}
	if name != "params" {
		return "", nil, fmt.Errorf("%w: <methodCall> holds <%s>, not <params>", ErrMalformed, name)
	}
	for {
		name, err := d.openOrClose()
		if err != nil {
			return "", nil, err
		}
		if name == "" {
			break
		}
		if name != "param" {
			return "", nil, fmt.Errorf("%w: <params> holds <%s>, not <param>", ErrMalformed, name)
		}
		v, err := d.value()
		if err != nil {
			return "", nil, err
		}
		params = append(params, v)
		if err := d.closeN(1); err != nil {
			return "", nil, err
		}
	}
	if err := d.closeN(1); err != nil {
		return "", nil, err
	}
	return method, params, d.end()
}

// decoder walks a document's tokens, skipping what XML-RPC ignores
// (whitespace between elements, comments, processing instructions).
type decoder struct {
	x     *xml.Decoder
	depth int
}

func newDecoder(data []byte) *decoder {
	return &decoder{x: xml.NewDecoder(bytes.NewReader(data))}
}

// token returns the next element start, element end or non-blank text.
func (d *decoder) token() (xml.Token, error) {
	for {
		t, err := d.x.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: the document ends early", ErrMalformed)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := t.(type) {
		case xml.StartElement, xml.EndElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return t.Copy(), nil
			}
		}
	}
}

// open reads the start of element name.
func (d *decoder) open(name string) error {
	got, err := d.openAny()
	if err != nil {
		return err
	}
	if got != name {
		return fmt.Errorf("%w: <%s> where <%s> was expected", ErrMalformed, got, name)
	}
	return nil
}

func (d *decoder) openAny() (string, error) {
	name, err := d.openOrClose()
	if err == nil && name == "" {
		err = fmt.Errorf("%w: an element ends where another was expected", ErrMalformed)
	}
	return name, err
}

// openOrClose reads an element's start (its name) or an end ("").
func (d *decoder) openOrClose() (string, error) {
	t, err := d.token()
	if err != nil {
		return "", err
	}
	switch t := t.(type) {
	case xml.StartElement:
		return t.Name.Local, nil
	case xml.EndElement:
		return "", nil
	}
	return "", fmt.Errorf("%w: text %q where an element was expected", ErrMalformed, clip(string(t.(xml.CharData))))
}

// closeN reads n element ends.
func (d *decoder) closeN(n int) error {
	for range n {
		t, err := d.token()
		if err != nil {
			return err
		}
		if _, ok := t.(xml.EndElement); !ok {
			return fmt.Errorf("%w: more content where an element's end was expected", ErrMalformed)
		}
	}
	return nil
}

// end checks that nothing but blanks follow the root element.
func (d *decoder) end() error {
	for {
		t, err := d.x.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := t.(type) {
		case xml.StartElement, xml.EndElement:
			return fmt.Errorf("%w: content after the document's end", ErrMalformed)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: content after the document's end", ErrMalformed)
			}
		}
	}
}

// text reads an element's text and its end (the start is read).
func (d *decoder) text() (string, error) {
	var s strings.Builder
	for {
		t, err := d.x.Token()
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := t.(type) {
		case xml.CharData:
			s.Write(t)
		case xml.EndElement:
			return s.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("%w: <%s> inside a scalar", ErrMalformed, t.Name.Local)
		}
	}
}

// value reads <value>...</value>.
func (d *decoder) value() (any, error) {
	if err := d.open("value"); err != nil {
		return nil, err
	}
	return d.valueBody()
}

// typed reads a typed value whose start element, name, is read. Names are
// compared without a namespace prefix, as Python's unmarshaller does
// (<ex:nil/>, <ex:i8>).
func (d *decoder) typed(name string) (any, error) {
	switch name {
	case "array":
		return d.array()
	case "struct":
		return d.structure()
	}
	text, err := d.text()
	if err != nil {
		return nil, err
	}
	switch name {
	case "nil":
		if strings.TrimSpace(text) != "" {
			return nil, fmt.Errorf("%w: <nil> with content", ErrMalformed)
		}
		return nil, nil
	case "string":
		return text, nil
	case "boolean":
		switch strings.TrimSpace(text) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, fmt.Errorf("%w: bad boolean %q", ErrMalformed, clip(text))
	case "int", "i1", "i2", "i4", "i8", "biginteger":
		t := strings.TrimSpace(text)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return i, nil
		}
		if n, ok := new(big.Int).SetString(t, 10); ok {
			return n, nil
		}
		return nil, fmt.Errorf("%w: bad integer %q", ErrMalformed, clip(text))
	case "double", "float", "bigdecimal":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad number %q", ErrMalformed, clip(text))
		}
		return f, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, fmt.Errorf("%w: bad base64: %v", ErrMalformed, err)
		}
		return b, nil
	case "dateTime.iso8601":
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, strings.TrimSpace(text)); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("%w: bad dateTime.iso8601 %q", ErrMalformed, clip(text))
	}
	return nil, fmt.Errorf("%w: unknown type <%s>", ErrMalformed, name)
}

func (d *decoder) nest() error {
	d.depth++
	if d.depth > maxDepth {
		return fmt.Errorf("%w: values nested more than %d deep", ErrMalformed, maxDepth)
	}
	return nil
}

// array reads <data><value>...</data></array>; <array> is read.
func (d *decoder) array() (any, error) {
	if err := d.nest(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	if err := d.open("data"); err != nil {
		return nil, err
	}
	out := []any{}
	for {
		name, err := d.openOrClose()
		if err != nil {
			return nil, err
		}
		if name == "" { // </data>
			return out, d.closeN(1)
		}
		if name != "value" {
			return nil, fmt.Errorf("%w: <%s> in an array", ErrMalformed, name)
		}
		v, err := d.valueBody()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// structure reads members up to </struct>; <struct> is read.
func (d *decoder) structure() (any, error) {
	if err := d.nest(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	out := map[string]any{}
	for {
		name, err := d.openOrClose()
		if err != nil {
			return nil, err
		}
		if name == "" {
			return out, nil
		}
		if name != "member" {
			return nil, fmt.Errorf("%w: <%s> in a struct", ErrMalformed, name)
		}
		if err := d.open("name"); err != nil {
			return nil, err
		}
		key, err := d.text()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		out[key] = v
		if err := d.closeN(1); err != nil {
			return nil, err
		}
	}
}

// valueBody reads a <value>'s content and end; its start is read. A
// <value> holding text alone is a string; it may hold a typed element
// instead, with blanks around it.
func (d *decoder) valueBody() (any, error) {
	var s strings.Builder
	for {
		t, err := d.x.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := t.(type) {
		case xml.CharData:
			s.Write(t)
		case xml.EndElement:
			return s.String(), nil
		case xml.StartElement:
			if strings.TrimSpace(s.String()) != "" {
				return nil, fmt.Errorf("%w: text and <%s> in one <value>", ErrMalformed, t.Name.Local)
			}
			v, err := d.typed(t.Name.Local)
			if err != nil {
				return nil, err
			}
			return v, d.closeN(1)
		}
	}
}

// clip shortens text quoted in an error.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
