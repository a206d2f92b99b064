package canonjson

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/zclconf/go-cty/cty"
)

// Marshal encodes a cty value deterministically: object and map keys
// sorted, numbers in their shortest exact form, sets in cty's own order.
// Unknown values (outputs whose shape is known only after a run) encode as
// {"unknown":true}, so a partly known configuration still has one encoding.
func Marshal(v cty.Value) []byte {
	var buf bytes.Buffer
	writeCanonical(&buf, v)
	return buf.Bytes()
}

func writeCanonical(buf *bytes.Buffer, v cty.Value) {
	v, _ = v.Unmark()
	switch {
	case !v.IsKnown():
		buf.WriteString(`{"unknown":true}`)
		return
	case v.IsNull():
		buf.WriteString("null")
		return
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		writeString(buf, v.AsString())
	case ty == cty.Number:
		buf.WriteString(v.AsBigFloat().Text('g', -1))
	case ty == cty.Bool:
		if v.True() {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case ty.IsObjectType() || ty.IsMapType():
		m := v.AsValueMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			writeCanonical(buf, m[k])
		}
		buf.WriteByte('}')
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		buf.WriteByte('[')
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			_, e := it.Element()
			writeCanonical(buf, e)
		}
		buf.WriteByte(']')
	default:
		// Capsule types never appear in recipes.
		buf.WriteString("null")
	}
}

// writeString writes a JSON string without HTML escaping, so shell commands
// keep their && and < > readable.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	buf.Truncate(buf.Len() - 1) // Encode's newline
}
