package kind

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"

	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Define makes a kind whose configuration decodes into the struct C: one
// field tagged `cty:"name"` for each of k.Attrs. It sets k.Run to decode
// the stage's configuration into a C and call run with it.
//
// A kind is declared in three places (Attrs, C and Validate), and Define
// checks that they agree before anything runs: C must fit Attrs (see
// CheckConfig), and Validate, tried on configurations of unknown, null
// and example values, must read no attribute the kind does not declare
// and must not panic. A disagreement is a programming error, so Define
// panics: stage packages call it to initialize their Kind variable, so
// every test of them, and every start of imgpipe, fails at once.
func Define[C any](k Kind, run func(ctx context.Context, s *Stage, cfg C) (Outputs, error)) *Kind {
	if run == nil {
		panic(fmt.Sprintf("kind.Define: kind %q has no run function", k.Name))
	}
	if k.Run != nil {
		panic(fmt.Sprintf("kind.Define: kind %q sets Run: Define makes it from the run function", k.Name))
	}
	kind := &k
	kind.config = reflect.TypeFor[C]()
	if err := kind.Check(); err != nil {
		panic(fmt.Sprintf("kind.Define: %v", err))
	}
	name := k.Name
	kind.Run = func(ctx context.Context, s *Stage) (Outputs, error) {
		var cfg C
		if err := gocty.FromCtyValue(s.Config, &cfg); err != nil {
			return nil, fmt.Errorf("decode the %s configuration: %w", name, err)
		}
		return run(ctx, s, cfg)
	}
	return kind
}

// CheckConfig reports every way the struct C does not fit k's attributes:
// C must be a struct; each field tagged `cty:"name"` must be exported and
// name an attribute; each attribute must have exactly one field, of a Go
// type that a value of the attribute's type decodes into (gocty: a string
// into a string, a number into an int or a float, a list into a slice, a
// map into a map[string]..., an object into a struct; a cty.Value field
// takes any value as it is). An attribute that can be null (neither
// Required nor with a Default) needs a field that can hold null: a
// pointer, a slice or a map. A Default must decode into its field too.
func CheckConfig[C any](k *Kind) error {
	return checkConfig(k, reflect.TypeFor[C]())
}

// Check reports what is wrong with a kind made by Define: its attributes
// (names given twice, defaults of the wrong type), its configuration
// struct (CheckConfig) and its Validate (see Define). A kind made without
// Define fails: it has no configuration struct to check against.
func (k *Kind) Check() error {
	if k.config == nil {
		return fmt.Errorf("kind %q is not made by kind.Define", k.Name)
	}
	return errors.Join(checkAttrs(k), checkConfig(k, k.config), checkValidate(k))
}

// checkAttrs checks the attribute list itself.
func checkAttrs(k *Kind) error {
	var errs []error
	seen := map[string]bool{}
	for _, a := range k.Attrs {
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("kind %q: attribute %q is declared twice", k.Name, a.Name))
		}
		seen[a.Name] = true
		if a.Default != cty.NilVal && !a.Default.Type().Equals(a.Type) {
			errs = append(errs, fmt.Errorf("kind %q: attribute %q is %s, but its default is %s",
				k.Name, a.Name, typeString(a.Type), typeString(a.Default.Type())))
		}
	}
	return errors.Join(errs...)
}

var valueType = reflect.TypeFor[cty.Value]()

func checkConfig(k *Kind, t reflect.Type) error {
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("kind %q: its configuration type %s is not a struct", k.Name, t)
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("kind %q: %s", k.Name, fmt.Sprintf(format, args...)))
	}
	names := make([]string, len(k.Attrs))
	for i, a := range k.Attrs {
		names[i] = a.Name
	}
	fields := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("cty")
		if name == "" {
			continue
		}
		switch prev, dup := fields[name]; {
		case dup:
			fail("fields %s.%s and %s.%s are both tagged cty:%q", t, prev.Name, t, f.Name, name)
		case !f.IsExported():
			fail("field %s.%s (cty:%q) is not exported, so it cannot be decoded into", t, f.Name, name)
		case !slices.Contains(names, name):
			fail("field %s.%s is tagged cty:%q, but the kind has no attribute %q.%s",
				t, f.Name, name, name, suggest.DidYouMean(name, names))
		}
		fields[name] = f
	}
	for _, a := range k.Attrs {
		f, ok := fields[a.Name]
		if !ok {
			fail("attribute %q has no field in %s: add one tagged `cty:%q`", a.Name, t, a.Name)
			continue
		}
		if err := fits(a, f.Type); err != nil {
			fail("attribute %q does not fit field %s.%s (%s): %v", a.Name, t, f.Name, f.Type, err)
		}
	}
	return errors.Join(errs...)
}

// fits reports why values of the attribute cannot be decoded into a Go
// value of type ft, or nil.
func fits(a Attr, ft reflect.Type) error {
	if ft == valueType {
		return nil
	}
	if a.Type == cty.DynamicPseudoType {
		return errors.New("an attribute of any type needs a cty.Value field")
	}
	if err := decodeInto(example(a.Type), ft); err != nil {
		// gocty's error speaks of the value, as to a user; the field's
		// implied type says what is wrong with it.
		if ty, ierr := gocty.ImpliedType(reflect.Zero(ft).Interface()); ierr == nil && !ty.Equals(a.Type) {
			return fmt.Errorf("the attribute is %s, but the field holds %s", typeString(a.Type), typeString(ty))
		}
		return fmt.Errorf("the attribute is %s, which the field cannot hold: %v", typeString(a.Type), err)
	}
	if a.Default != cty.NilVal {
		if err := decodeInto(a.Default, ft); err != nil {
			return fmt.Errorf("its default %s does not decode: %v", a.Default.GoString(), err)
		}
	}
	if !a.Required && a.Default == cty.NilVal {
		if err := decodeInto(cty.NullVal(a.Type), ft); err != nil {
			return fmt.Errorf("the attribute is optional without a default, so it can be null: make the field a pointer (%v)", err)
		}
	}
	return nil
}

func decodeInto(v cty.Value, ft reflect.Type) error {
	return gocty.FromCtyValue(v, reflect.New(ft).Interface())
}

// example is a known value of type ty, with one element in every
// collection so that element types are checked too.
func example(ty cty.Type) cty.Value {
	switch {
	case ty == cty.String:
		return cty.StringVal("example")
	case ty == cty.Number:
		return cty.NumberIntVal(1)
	case ty == cty.Bool:
		return cty.True
	case ty.IsListType():
		return cty.ListVal([]cty.Value{example(ty.ElementType())})
	case ty.IsSetType():
		return cty.SetVal([]cty.Value{example(ty.ElementType())})
	case ty.IsMapType():
		return cty.MapVal(map[string]cty.Value{"example": example(ty.ElementType())})
	case ty.IsObjectType():
		attrs := map[string]cty.Value{}
		for name, at := range ty.AttributeTypes() {
			attrs[name] = example(at)
		}
		return cty.ObjectVal(attrs)
	case ty.IsTupleType():
		var elems []cty.Value
		for _, et := range ty.TupleElementTypes() {
			elems = append(elems, example(et))
		}
		return cty.TupleVal(elems)
	default:
		return cty.NullVal(ty)
	}
}

func typeString(ty cty.Type) string { return typeexpr.TypeString(ty) }

// checkValidate runs Validate on configurations that every attribute
// could have during planning: all unknown (references to stages not run
// yet), all null but the defaults, and all set to example values. It
// fails if Validate panics on one, or reads an attribute the kind does
// not declare (Config.Get of one is always null, so the check it guards
// never runs).
func checkValidate(k *Kind) error {
	if k.Validate == nil {
		return nil
	}
	reads := map[string]bool{}
	all := map[string]hcl.Range{}
	for _, a := range k.Attrs {
		all[a.Name] = hcl.Range{}
	}
	probes := []struct {
		what   string
		value  func(Attr) cty.Value
		ranges map[string]hcl.Range
	}{
		{"unknown values", func(a Attr) cty.Value { return cty.UnknownVal(a.Type) }, all},
		{"null values and defaults", func(a Attr) cty.Value {
			if a.Default != cty.NilVal {
				return a.Default
			}
			return cty.NullVal(a.Type)
		}, map[string]hcl.Range{}},
		{"example values", func(a Attr) cty.Value {
			switch {
			case a.Default != cty.NilVal:
				return a.Default
			case len(a.OneOf) > 0 && a.Type == cty.String:
				return cty.StringVal(a.OneOf[0])
			}
			return example(a.Type)
		}, all},
	}
	var errs []error
	for _, p := range probes {
		attrs := map[string]cty.Value{}
		for _, a := range k.Attrs {
			attrs[a.Name] = p.value(a)
		}
		cfg := &Config{Value: cty.ObjectVal(attrs), Arch: "x86_64", ranges: p.ranges, reads: reads}
		if err := probeValidate(k, cfg); err != nil {
			errs = append(errs, fmt.Errorf("kind %q: Validate panics on a configuration of %s: %v", k.Name, p.what, err))
		}
	}
	names := make([]string, len(k.Attrs))
	for i, a := range k.Attrs {
		names[i] = a.Name
	}
	for _, name := range slices.Sorted(maps.Keys(reads)) {
		if !slices.Contains(names, name) {
			errs = append(errs, fmt.Errorf("kind %q: Validate reads attribute %q, which the kind does not declare.%s",
				k.Name, name, suggest.DidYouMean(name, names)))
		}
	}
	return errors.Join(errs...)
}

func probeValidate(k *Kind, cfg *Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	k.Validate(cfg)
	return nil
}
