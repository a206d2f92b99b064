package stages_test

import (
	"testing"

	"github.com/imgpipe/imgpipe/stages"
)

// Every kind is made by kind.Define, so its attributes, its
// configuration struct and its Validate agree (Define would have panicked
// when the package was loaded otherwise); Check says so again, by name.
func TestKindsAreDefined(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range stages.All() {
		if seen[k.Name] {
			t.Errorf("kind %q is listed twice", k.Name)
		}
		seen[k.Name] = true
		if k.ConfigType() == nil || k.Run == nil {
			t.Errorf("kind %q is not made by kind.Define", k.Name)
			continue
		}
		if err := k.Check(); err != nil {
			t.Error(err)
		}
	}
}
