package version

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	if Short() != "dev" {
		t.Errorf("Short() = %q, want dev in a test binary", Short())
	}
	if full := Full(); full != Short() && !strings.HasPrefix(full, Short()+"+") {
		t.Errorf("Full() = %q, want %q with an optional +commit", full, Short())
	}
	info := Info()
	for _, k := range []string{"version", "go", "platform"} {
		if info[k] == "" {
			t.Errorf("Info() has no %q: %v", k, info)
		}
	}
}
