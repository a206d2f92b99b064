package kind

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/imgpipe/imgpipe/engine/store"
)

// CheckOutputs verifies that a stage of this kind returned every output it
// has and that its file outputs exist inside its output directory, and
// returns them as an object. names are the stage's output names: the
// kind's Outputs, then those DynamicOutputs gave.
func (k *Kind) CheckOutputs(names []string, outputs Outputs, outDir string) (cty.Value, error) {
	types := map[string]Output{}
	for _, o := range k.Outputs {
		types[o.Name] = o
	}
	for _, name := range names[len(k.Outputs):] {
		types[name] = Output{Name: name, Type: cty.String, Path: true}
	}
	vals := map[string]cty.Value{}
	for _, name := range names {
		o := types[name]
		v, ok := outputs[name]
		if !ok || v.IsNull() {
			return cty.NilVal, fmt.Errorf("the stage did not produce its output %q", name)
		}
		if o.Path {
			var bad error
			for _, rel := range pathValues(v) {
				p := filepath.Join(outDir, rel)
				if filepath.IsAbs(rel) || !strings.HasPrefix(p, outDir+string(filepath.Separator)) {
					bad = fmt.Errorf("output %q: %q is not inside the output directory", name, rel)
				} else if _, err := os.Lstat(p); err != nil {
					bad = fmt.Errorf("output %q: %s was not written (the stage must create it in $IMGPIPE_OUT)", name, rel)
				}
			}
			if bad != nil {
				return cty.NilVal, bad
			}
		}
		vals[name] = v
	}
	return cty.ObjectVal(vals), nil
}

func pathValues(v cty.Value) []string {
	if v.Type() == cty.String {
		return []string{v.AsString()}
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() == cty.String && !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

// PathsOf returns the file paths among a stage's outputs v (names as in
// CheckOutputs), sorted.
func (k *Kind) PathsOf(names []string, v cty.Value) []string {
	isPath := map[string]bool{}
	for _, o := range k.Outputs {
		isPath[o.Name] = o.Path
	}
	for _, name := range names[len(k.Outputs):] {
		isPath[name] = true
	}
	var paths []string
	for _, name := range names {
		if isPath[name] && v.Type().IsObjectType() && v.Type().HasAttribute(name) {
			paths = append(paths, pathValues(v.GetAttr(name))...)
		}
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

// AbsOutputs turns the relative file outputs of v, an object of a stage's
// outputs (names as in CheckOutputs), into paths in its object objDir.
func (k *Kind) AbsOutputs(names []string, v cty.Value, objDir string) cty.Value {
	isPath := map[string]bool{}
	for _, o := range k.Outputs {
		isPath[o.Name] = o.Path
	}
	for _, name := range names[len(k.Outputs):] {
		isPath[name] = true
	}
	out := objDir
	vals := v.AsValueMap()
	for name, val := range vals {
		if !isPath[name] {
			continue
		}
		if val.Type() == cty.String {
			vals[name] = cty.StringVal(filepath.Join(out, val.AsString()))
			continue
		}
		m := val.AsValueMap()
		for k, e := range m {
			m[k] = cty.StringVal(filepath.Join(out, e.AsString()))
		}
		if len(m) == 0 {
			continue
		}
		vals[name] = cty.MapVal(m)
	}
	return cty.ObjectVal(vals)
}

// EncodeOutputs encodes a stage's outputs for its object's result.json:
// their cty type and value, so that they decode to the same value.
func EncodeOutputs(v cty.Value) (json.RawMessage, error) {
	typ, err := ctyjson.MarshalType(v.Type())
	if err != nil {
		return nil, fmt.Errorf("encode outputs: %w", err)
	}
	val, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, fmt.Errorf("encode outputs: %w", err)
	}
	return json.Marshal(map[string]json.RawMessage{"type": typ, "value": val})
}

// DecodeOutputs decodes what EncodeOutputs encoded, and checks that it has
// every output of names.
func DecodeOutputs(raw json.RawMessage, names []string) (cty.Value, error) {
	var enc struct {
		Type  json.RawMessage `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &enc); err != nil {
		return cty.NilVal, err
	}
	ty, err := ctyjson.UnmarshalType(enc.Type)
	if err != nil {
		return cty.NilVal, err
	}
	v, err := ctyjson.Unmarshal(enc.Value, ty)
	if err != nil {
		return cty.NilVal, err
	}
	for _, name := range names {
		if !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
			return cty.NilVal, fmt.Errorf("it lacks output %q", name)
		}
	}
	return v, nil
}

// OutputDigest returns the digest of one output of a stored object (res):
// its value and, for a file output, the size and digest of every file it
// names, and of every file below a directory it names (res.Files). Two
// objects whose output has the same digest hold the same bytes for it,
// whatever their stage IDs. names are the stage's output names, as in
// CheckOutputs; output "*" is all of them.
func (k *Kind) OutputDigest(names []string, res *store.Result, output string) (string, error) {
	v, err := DecodeOutputs(res.Outputs, names)
	if err != nil {
		return "", err
	}
	isPath := map[string]bool{}
	for _, o := range k.Outputs {
		isPath[o.Name] = o.Path
	}
	for _, name := range names[len(k.Outputs):] {
		isPath[name] = true
	}
	picked := names
	if output != "*" {
		picked = []string{output}
	}
	type entry struct {
		Value json.RawMessage       `json:"value"`
		Files map[string]store.File `json:"files,omitempty"`
	}
	all := map[string]entry{}
	for _, name := range picked {
		if !v.Type().HasAttribute(name) {
			return "", fmt.Errorf("it has no output %q", name)
		}
		val := v.GetAttr(name)
		raw, err := ctyjson.Marshal(val, val.Type())
		if err != nil {
			return "", err
		}
		e := entry{Value: raw}
		if isPath[name] {
			e.Files = map[string]store.File{}
			for _, rel := range pathValues(val) {
				rel = filepath.ToSlash(filepath.Clean(rel))
				for f, info := range res.Files {
					if f == rel || strings.HasPrefix(f, rel+"/") {
						e.Files[f] = info
					}
				}
			}
		}
		all[name] = e
	}
	b, err := json.Marshal(all) // maps marshal with sorted keys
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
