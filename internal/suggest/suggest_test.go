package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"version", "release", "arches", "distro", "kickstart", "ksurl", "a", "ab"}
	for given, want := range map[string]string{
		"verison":    "version",
		"relase":     "release",
		"arch":       "arches",
		"kickstrat":  "kickstart",
		"ksurl":      "ksurl",
		"b":          "a", // first of the nearest
		"target":     "",
		"":           "a",
		"distributo": "",
	} {
		if got := Closest(given, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", given, got, want)
		}
	}
}
