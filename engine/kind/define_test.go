package kind_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// contractKind has one attribute of each shape a stage kind uses.
func contractKind() kind.Kind {
	return kind.Kind{
		Name:    "contract",
		Version: 1,
		Attrs: []kind.Attr{
			{Name: "command", Type: cty.List(cty.String), Required: true},
			{Name: "env", Type: cty.Map(cty.String)},
			{Name: "mode", Type: cty.String, Default: cty.StringVal("fast"), OneOf: []string{"fast", "slow"}},
			{Name: "label", Type: cty.String},
			{Name: "cpus", Type: cty.Number},
			{Name: "memory", Type: cty.Number, Default: cty.NumberIntVal(512)},
			{Name: "debug", Type: cty.Bool, Default: cty.False},
			{Name: "extra", Type: cty.String},
		},
	}
}

type contractConfig struct {
	Command []string          `cty:"command"`
	Env     map[string]string `cty:"env"`
	Mode    string            `cty:"mode"`
	Label   *string           `cty:"label"`
	CPUs    *int              `cty:"cpus"`
	Memory  float64           `cty:"memory"`
	Debug   bool              `cty:"debug"`
	Extra   cty.Value         `cty:"extra"` // a cty.Value takes the value as it is
	Notes   string            // untagged: not part of the configuration
}

func noRun[C any](context.Context, *kind.Stage, C) (kind.Outputs, error) { return nil, nil }

func TestCheckConfigMatches(t *testing.T) {
	k := contractKind()
	if err := kind.CheckConfig[contractConfig](&k); err != nil {
		t.Fatal(err)
	}
}

// smallKind is the kind the mismatch cases break, one way each.
var smallKind = kind.Kind{
	Name: "small",
	Attrs: []kind.Attr{
		{Name: "command", Type: cty.List(cty.String), Required: true},
		{Name: "cpus", Type: cty.Number},
		{Name: "label", Type: cty.String, Default: cty.StringVal("none")},
	},
}

type (
	smallMissing struct {
		Command []string `cty:"command"`
		CPUs    *int     `cty:"cpus"`
	}
	smallExtra struct {
		Command []string `cty:"command"`
		CPUs    *int     `cty:"cpus"`
		Label   string   `cty:"label"`
		Verbose bool     `cty:"verbose"`
	}
	smallMisspelled struct {
		Command []string `cty:"comand"`
		CPUs    *int     `cty:"cpus"`
		Label   string   `cty:"label"`
	}
	smallNumberString struct {
		Command []string `cty:"command"`
		CPUs    *string  `cty:"cpus"`
		Label   string   `cty:"label"`
	}
	smallListOfInts struct {
		Command []int `cty:"command"`
		CPUs    *int  `cty:"cpus"`
		Label   string
	}
	smallNotNullable struct {
		Command []string `cty:"command"`
		CPUs    int      `cty:"cpus"`
		Label   string   `cty:"label"`
	}
	smallTwice struct {
		Command []string `cty:"command"`
		CPUs    *int     `cty:"cpus"`
		Label   string   `cty:"label"`
		Name    *string  `cty:"label"`
	}
	smallUnexported struct {
		Command []string `cty:"command"`
		CPUs    *int     `cty:"cpus"`
		label   string   `cty:"label"`
	}
)

func TestCheckConfigMismatches(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"missing field", kind.CheckConfig[smallMissing](&smallKind),
			`kind "small": attribute "label" has no field in kind_test.smallMissing: add one tagged ` + "`cty:\"label\"`"},
		{"extra tagged field", kind.CheckConfig[smallExtra](&smallKind),
			`kind "small": field kind_test.smallExtra.Verbose is tagged cty:"verbose", but the kind has no attribute "verbose".`},
		{"misspelled tag", kind.CheckConfig[smallMisspelled](&smallKind),
			`kind "small": field kind_test.smallMisspelled.Command is tagged cty:"comand", but the kind has no attribute "comand". Did you mean "command"?` + "\n" +
				`kind "small": attribute "command" has no field in kind_test.smallMisspelled: add one tagged ` + "`cty:\"command\"`"},
		{"number into a string", kind.CheckConfig[smallNumberString](&smallKind),
			`kind "small": attribute "cpus" does not fit field kind_test.smallNumberString.CPUs (*string): the attribute is number, but the field holds string`},
		{"list of the wrong element", kind.CheckConfig[smallListOfInts](&smallKind),
			`kind "small": attribute "command" does not fit field kind_test.smallListOfInts.Command ([]int): the attribute is list(string), but the field holds list(number)` + "\n" +
				`kind "small": attribute "label" has no field in kind_test.smallListOfInts: add one tagged ` + "`cty:\"label\"`"},
		{"optional but not nullable", kind.CheckConfig[smallNotNullable](&smallKind),
			`kind "small": attribute "cpus" does not fit field kind_test.smallNotNullable.CPUs (int): the attribute is optional without a default, so it can be null: make the field a pointer (null value is not allowed)`},
		{"two fields for one attribute", kind.CheckConfig[smallTwice](&smallKind),
			`kind "small": fields kind_test.smallTwice.Label and kind_test.smallTwice.Name are both tagged cty:"label"`},
		{"unexported field", kind.CheckConfig[smallUnexported](&smallKind),
			`kind "small": field kind_test.smallUnexported.label (cty:"label") is not exported, so it cannot be decoded into`},
		{"not a struct", kind.CheckConfig[map[string]string](&smallKind),
			`kind "small": its configuration type map[string]string is not a struct`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil {
				t.Fatal("CheckConfig passed")
			}
			if c.err.Error() != c.want {
				t.Errorf("error:\n%s\nwant:\n%s", c.err, c.want)
			}
		})
	}
}

func TestDefinePanicsOnMismatch(t *testing.T) {
	msg := definePanic(t, func() { kind.Define(smallKind, noRun[smallNumberString]) })
	for _, w := range []string{`kind.Define: kind "small"`, `attribute "cpus"`, `.CPUs`} {
		if !strings.Contains(msg, w) {
			t.Errorf("panic %q\nlacks %q", msg, w)
		}
	}
}

func TestDefineChecksValidate(t *testing.T) {
	k := contractKind()
	k.Validate = func(c *kind.Config) hcl.Diagnostics {
		if v := c.Get("comand"); v.IsKnown() && !v.IsNull() && v.LengthInt() == 0 {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Empty command", Subject: c.Range("comand")}}
		}
		return nil
	}
	msg := definePanic(t, func() { kind.Define(k, noRun[contractConfig]) })
	want := `kind "contract": Validate reads attribute "comand", which the kind does not declare. Did you mean "command"?`
	if !strings.Contains(msg, want) {
		t.Errorf("panic %q\nlacks %q", msg, want)
	}

	// Has and Range count as reads too, also in a branch that only a known
	// value (here the default) reaches.
	k.Validate = func(c *kind.Config) hcl.Diagnostics {
		if m := c.Get("mode"); m.IsKnown() && m.AsString() == "slow" {
			if c.Has("timeout") {
				return nil
			}
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Slow", Subject: c.Range("timout")}}
		}
		return nil
	}
	k.Attrs[2].Default = cty.StringVal("slow")
	msg = definePanic(t, func() { kind.Define(k, noRun[contractConfig]) })
	for _, w := range []string{`reads attribute "timeout"`, `reads attribute "timout"`} {
		if !strings.Contains(msg, w) {
			t.Errorf("panic %q\nlacks %q", msg, w)
		}
	}

	// A Validate that panics on a value planning can give it (here an
	// unknown one) is a bug too.
	k.Validate = func(c *kind.Config) hcl.Diagnostics {
		_ = c.Get("label").AsString()
		return nil
	}
	msg = definePanic(t, func() { kind.Define(k, noRun[contractConfig]) })
	if !strings.Contains(msg, `kind "contract": Validate panics on a configuration of unknown values`) {
		t.Errorf("panic %q does not say Validate panics", msg)
	}
}

func TestDefineRefusesRun(t *testing.T) {
	k := contractKind()
	k.Run = func(context.Context, *kind.Stage) (kind.Outputs, error) { return nil, nil }
	if msg := definePanic(t, func() { kind.Define(k, noRun[contractConfig]) }); !strings.Contains(msg, "sets Run") {
		t.Errorf("panic %q does not say Run is set", msg)
	}
}

func definePanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("Define did not panic")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

func TestDefineRunDecodes(t *testing.T) {
	var got contractConfig
	k := kind.Define(contractKind(), func(_ context.Context, s *kind.Stage, cfg contractConfig) (kind.Outputs, error) {
		got = cfg
		return kind.Outputs{"mode": cty.StringVal(cfg.Mode)}, nil
	})
	if k.ConfigType() != reflect.TypeFor[contractConfig]() {
		t.Errorf("ConfigType() = %v", k.ConfigType())
	}
	if err := k.Check(); err != nil {
		t.Error(err)
	}
	config := cty.ObjectVal(map[string]cty.Value{
		"command": cty.ListVal([]cty.Value{cty.StringVal("true")}),
		"env":     cty.NullVal(cty.Map(cty.String)),
		"mode":    cty.StringVal("slow"),
		"label":   cty.StringVal("x"),
		"cpus":    cty.NumberIntVal(2),
		"memory":  cty.NumberFloatVal(1.5),
		"debug":   cty.True,
		"extra":   cty.NullVal(cty.String),
	})
	out, err := k.Run(t.Context(), &kind.Stage{Kind: "contract", Config: config})
	if err != nil {
		t.Fatal(err)
	}
	if out["mode"] != cty.StringVal("slow") || len(got.Command) != 1 || got.Command[0] != "true" || got.Env != nil ||
		*got.Label != "x" || *got.CPUs != 2 || got.Memory != 1.5 || !got.Debug || !got.Extra.IsNull() {
		t.Errorf("run got %+v", got)
	}

	// A configuration that does not decode (the engine never makes one) is
	// an error naming the kind, wrapping gocty's.
	_, err = k.Run(t.Context(), &kind.Stage{Config: cty.ObjectVal(map[string]cty.Value{"command": cty.NullVal(cty.String)})})
	if _, ok := errors.AsType[cty.PathError](err); !ok || !strings.Contains(err.Error(), "contract configuration") {
		t.Errorf("Run of a bad configuration: %v", err)
	}
}

func TestCheckNeedsDefine(t *testing.T) {
	k := contractKind()
	if err := k.Check(); err == nil || !strings.Contains(err.Error(), "not made by kind.Define") {
		t.Errorf("Check of a kind made without Define: %v", err)
	}
}

func TestStageWarnf(t *testing.T) {
	var log strings.Builder
	s := &kind.Stage{Log: &log}
	s.Warnf("using %s", "TCG")
	if log.String() != "warning: using TCG\n" {
		t.Errorf("log = %q", log.String())
	}
	(&kind.Stage{}).Warnf("no log: nothing happens")
}
