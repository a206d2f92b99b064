package version

import (
	"runtime"
	"runtime/debug"
)

// version is set with -ldflags "-X" for releases (see doc.go).
var version = "dev"

// Short returns the version the binary was released as, or "dev".
func Short() string { return version }

// Full returns Short with the commit the binary was built from, when Go
// recorded one: "dev+0123456789ab", or "dev+0123456789ab.dirty" when the
// tree had uncommitted changes. metadata.json records it.
func Full() string {
	v := version
	info := Info()
	if rev := info["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += "+" + rev
		if info["vcs.modified"] == "true" {
			v += ".dirty"
		}
	}
	return v
}

// Info returns what `imgpipe version` prints: "version" (Short), "go",
// "platform" and, when Go recorded them in the binary, "vcs.revision",
// "vcs.modified" and "-tags".
func Info() map[string]string {
	info := map[string]string{"version": version, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.modified", "-tags":
				info[s.Key] = s.Value
			}
		}
	}
	return info
}
