package kojireplay

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// recorded serves the hub responses of cmd/imgpipe/testdata/koji-replay/hub,
// written by Koji's own marshaller (record.py there), by the file naming
// rule: METHOD-ARG[-ARG...].xml, booleans left out.
type recorded struct {
	dir   string
	calls []string
}

func (r *recorded) Call(ctx context.Context, method string, args ...any) (any, error) {
	name := method
	for _, a := range args {
		if _, ok := a.(bool); ok {
			continue
		}
		name += "-" + fmt.Sprint(a)
	}
	r.calls = append(r.calls, name)
	data, err := os.ReadFile(filepath.Join(r.dir, name+".xml"))
	if err != nil {
		return nil, fmt.Errorf("no recorded response: %w", err)
	}
	return decodeResponse(data)
}

// decodeResponse is a minimal XML-RPC response reader for these tests;
// internal/kojihub is the real one.
func decodeResponse(data []byte) (any, error) {
	d := xml.NewDecoder(strings.NewReader(string(data)))
	var stack []string
	var read func() (any, error)
	read = func() (any, error) {
		// at <value>: read its content up to </value>
		var text strings.Builder
		var out any
		typ := ""
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "struct":
					m := map[string]any{}
					for {
						tok, err := d.Token()
						if err != nil {
							return nil, err
						}
						if e, ok := tok.(xml.EndElement); ok && e.Name.Local == "struct" {
							break
						}
						if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "member" {
							var name string
							for {
								tok, _ := d.Token()
								if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "name" {
									tok, _ = d.Token()
									name = string(tok.(xml.CharData))
									d.Token()
								}
								if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "value" {
									v, err := read()
									if err != nil {
										return nil, err
									}
									m[name] = v
									break
								}
							}
						}
					}
					out = m
					typ = "struct"
				case "array":
					var l []any
					for {
						tok, err := d.Token()
						if err != nil {
							return nil, err
						}
						if e, ok := tok.(xml.EndElement); ok && e.Name.Local == "array" {
							break
						}
						if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "value" {
							v, err := read()
							if err != nil {
								return nil, err
							}
							l = append(l, v)
						}
					}
					if l == nil {
						l = []any{}
					}
					out, typ = l, "array"
				case "nil":
					typ = "nil"
				default:
					typ = t.Name.Local
				}
			case xml.CharData:
				text.Write(t)
			case xml.EndElement:
				if t.Name.Local != "value" {
					continue
				}
				s := text.String()
				switch typ {
				case "struct", "array", "nil":
					return out, nil
				case "int", "i4", "i8":
					return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				case "boolean":
					return strings.TrimSpace(s) == "1", nil
				case "double":
					return strconv.ParseFloat(strings.TrimSpace(s), 64)
				}
				return s, nil
			}
		}
	}
	fault := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		if s, ok := tok.(xml.StartElement); ok {
			stack = append(stack, s.Name.Local)
			if s.Name.Local == "fault" {
				fault = true
			}
			if s.Name.Local == "value" {
				v, err := read()
				if err != nil {
					return nil, err
				}
				if fault {
					m := v.(map[string]any)
					return nil, fmt.Errorf("fault %v: %v", m["faultCode"], m["faultString"])
				}
				return v, nil
			}
		}
	}
}

func hub(t *testing.T) *recorded {
	return &recorded{dir: filepath.Join("..", "..", "cmd", "imgpipe", "testdata", "koji-replay", "hub")}
}

func TestReplayErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Replay(ctx, hub(t), 125999999, Options{})
	if _, ok := errors.AsType[*NotFoundError](err); !ok {
		t.Errorf("unknown task: %v, want a NotFoundError", err)
	}
	_, err = Replay(ctx, hub(t), 125000301, Options{})
	if me, ok := errors.AsType[*MethodError](err); !ok || me.Method != "build" {
		t.Errorf("build task: %v, want a MethodError", err)
	}
	_, err = Replay(ctx, hub(t), 125000201, Options{})
	if _, ok := errors.AsType[*TopURLError](err); !ok {
		t.Errorf("tag repo without topurl: %v, want a TopURLError", err)
	}
}

func TestReplayPrint(t *testing.T) {
	for _, id := range []int64{125000001, 125000003, 125000101, 125000202} {
		r, err := Replay(context.Background(), hub(t), id, Options{Hub: "https://koji.example.org/kojihub", TopURL: "https://kojipkgs.example.org/"})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d:\n%s\n%q", id, r.HCL, r.Warnings)
	}
}
