package engine

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/secret"
)

// TestHoldsSecret: a configuration holds a secret when one of its strings
// contains one of the run's secrets, or is the value of a secret-named
// key however short; such a stage is never pushed to a team cache.
func TestHoldsSecret(t *testing.T) {
	set := &secret.Set{}
	set.Add("tok-<9f2c>\\\"")
	for _, tc := range []struct {
		name string
		v    cty.Value
		want bool
	}{
		{"plain", cty.ObjectVal(map[string]cty.Value{"command": cty.ListVal([]cty.Value{cty.StringVal("echo hi")})}), false},
		{"secret inside a string, characters JSON escapes", cty.ObjectVal(map[string]cty.Value{"command": cty.ListVal([]cty.Value{cty.StringVal("echo tok-<9f2c>\\\" | wc")})}), true},
		{"short value of a secret-named env", cty.ObjectVal(map[string]cty.Value{"env": cty.MapVal(map[string]cty.Value{"DB_PASSWORD": cty.StringVal("ab")})}), true},
		{"empty secret-named env", cty.ObjectVal(map[string]cty.Value{"env": cty.MapVal(map[string]cty.Value{"DB_PASSWORD": cty.StringVal("")})}), false},
		{"null", cty.NullVal(cty.String), false},
	} {
		if got := holdsSecret(set, tc.v); got != tc.want {
			t.Errorf("%s: holdsSecret = %v, want %v", tc.name, got, tc.want)
		}
	}
}
