package kickstart

import (
	"fmt"
	"strings"
)

// Version is a kickstart syntax version, numbered as pykickstart numbers
// them, so versions compare in pykickstart's order (RHEL9 sits between F34
// and F35).
type Version int

// The versions this package knows. DEVEL is the newest Fedora, as in
// pykickstart.
const (
	F32    Version = 32000
	F40    Version = 40000
	F41    Version = 41000
	F42    Version = 42000
	F43    Version = 43000
	F44    Version = 44000
	F45    Version = 45000
	RHEL8  Version = 26100
	RHEL9  Version = 34100
	RHEL10 Version = 40100
	DEVEL          = F45
)

var versionNames = map[Version]string{
	F40: "F40", F41: "F41", F42: "F42", F43: "F43", F44: "F44", F45: "F45",
	RHEL8: "RHEL8", RHEL9: "RHEL9", RHEL10: "RHEL10",
}

// Versions lists the supported versions, oldest first.
func Versions() []Version {
	return []Version{RHEL8, RHEL9, F40, RHEL10, F41, F42, F43, F44, F45}
}

// String returns the version's name (F45, RHEL9).
func (v Version) String() string {
	if n, ok := versionNames[v]; ok {
		return n
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// headerName is what the rendered "#version=" line says: DEVEL for the
// newest version, as pykickstart prints it.
func (v Version) headerName() string {
	if v == DEVEL {
		return "DEVEL"
	}
	return v.String()
}

// IsRHEL reports whether v is a RHEL version.
func (v Version) IsRHEL() bool { return strings.HasPrefix(v.String(), "RHEL") }

// ParseVersion returns the version with the given name, case-insensitive:
// F40 to F45, RHEL8, RHEL9, RHEL10, and DEVEL for the newest (F45).
// pykickstart itself rejects DEVEL as a -v argument; Koji and imgpipe's
// recipes use it for "the newest".
func ParseVersion(name string) (Version, error) {
	u := strings.ToUpper(strings.TrimSpace(name))
	if u == "DEVEL" {
		return DEVEL, nil
	}
	for v, n := range versionNames {
		if n == u {
			return v, nil
		}
	}
	var names []string
	for _, v := range Versions() {
		names = append(names, v.String())
	}
	return 0, fmt.Errorf("unsupported kickstart version %q: use one of %s, or DEVEL (= %s)", name, strings.Join(names, ", "), DEVEL)
}

// PykickstartVersion is the pykickstart release whose behaviour this
// package reproduces, as its rendering's first line says.
const PykickstartVersion = pykickstartVersion
