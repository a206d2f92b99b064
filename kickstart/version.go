package kickstart

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a kickstart syntax version, numbered as pykickstart numbers
// them, so versions compare in pykickstart's order (RHEL9 sits between F34
// and F35).
type Version int

// The versions pykickstart 3.74 knows (pykickstart/version.py), with its
// numbers. This package reproduces every one of them with tables
// (Supported): FC3 to F45 and RHEL3 to RHEL11. DEVEL is the newest
// Fedora, as in pykickstart.
const (
	RHEL3  Version = 900
	FC3    Version = 1000
	RHEL4  Version = 1100
	FC4    Version = 2000
	FC5    Version = 3000
	FC6    Version = 4000
	RHEL5  Version = 4100
	F7     Version = 5000
	F8     Version = 6000
	F9     Version = 7000
	F10    Version = 8000
	F11    Version = 9000
	F12    Version = 10000
	F13    Version = 11000
	RHEL6  Version = 11100
	F14    Version = 12000
	F15    Version = 13000
	F16    Version = 14000
	F17    Version = 15000
	F18    Version = 16000
	F19    Version = 17000
	F20    Version = 18000
	F21    Version = 19000
	RHEL7  Version = 19100
	F22    Version = 20000
	F23    Version = 21000
	F24    Version = 22000
	F25    Version = 23000
	F26    Version = 24000
	F27    Version = 25000
	F28    Version = 26000
	RHEL8  Version = 26100
	F29    Version = 27000
	F30    Version = 30000
	F31    Version = 31000
	F32    Version = 32000
	F33    Version = 33000
	F34    Version = 34000
	RHEL9  Version = 34100
	F35    Version = 35000
	F36    Version = 36000
	F37    Version = 37000
	F38    Version = 38000
	F39    Version = 39000
	F40    Version = 40000
	RHEL10 Version = 40100
	F41    Version = 41000
	F42    Version = 42000
	F43    Version = 43000
	F44    Version = 44000
	F45    Version = 45000
	RHEL11 Version = 46100
	DEVEL          = F45
)

// versionNames is pykickstart's versionMap without DEVEL.
var versionNames = map[Version]string{
	RHEL3: "RHEL3", FC3: "FC3", RHEL4: "RHEL4", FC4: "FC4", FC5: "FC5", FC6: "FC6", RHEL5: "RHEL5",
	F7: "F7", F8: "F8", F9: "F9", F10: "F10", F11: "F11", F12: "F12", F13: "F13", RHEL6: "RHEL6",
	F14: "F14", F15: "F15", F16: "F16", F17: "F17", F18: "F18", F19: "F19", F20: "F20", F21: "F21",
	RHEL7: "RHEL7", F22: "F22", F23: "F23", F24: "F24", F25: "F25", F26: "F26", F27: "F27", F28: "F28",
	RHEL8: "RHEL8", F29: "F29", F30: "F30", F31: "F31", F32: "F32", F33: "F33", F34: "F34", RHEL9: "RHEL9",
	F35: "F35", F36: "F36", F37: "F37", F38: "F38", F39: "F39", F40: "F40", RHEL10: "RHEL10",
	F41: "F41", F42: "F42", F43: "F43", F44: "F44", F45: "F45", RHEL11: "RHEL11",
}

// Supported reports whether this package reproduces v (has its tables).
func (v Version) Supported() bool {
	_, ok := pyHandlers[v]
	return ok
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

// ParseVersion returns the version a ksversion names, as pykickstart's
// makeVersion (pykickstart/version.py returnClassForVersion) reads it: a
// name of its versionMap in any case (F41, rhel9, FC6), or a version
// number (41000, 34100). Then it refuses a version this package does not
// reproduce (see Versions).
//
// DEVEL is accepted as the newest (F45). makeVersion itself refuses it
// (it looks for a handler module named "devel"), and Koji's builder
// passes ksversion to makeVersion (builder/kojid ImageTask.readKickstart,
// OzImageTask.readKickstart), so a Koji task with ksversion = DEVEL fails;
// imgpipe accepting it is a deliberate difference
// (docs/koji-behaviour.md#kickstart-versions).
func ParseVersion(name string) (Version, error) {
	s := strings.TrimSpace(name)
	u := strings.ToUpper(s)
	v, known := Version(0), false
	if u == "DEVEL" {
		v, known = DEVEL, true
	} else if n, err := strconv.Atoi(s); err == nil {
		// int(version), then versionToString: only pykickstart's numbers.
		_, known = versionNames[Version(n)]
		v = Version(n)
	} else {
		for vv, n := range versionNames {
			if n == u {
				v, known = vv, true
			}
		}
	}
	if !known {
		return 0, fmt.Errorf("unsupported kickstart version %q: use FC3 to F45 or RHEL3 to RHEL11, by name or pykickstart's number (F41, 41000), or DEVEL (= %s)", name, DEVEL)
	}
	return v, nil
}

// PykickstartVersion is the pykickstart release whose behaviour this
// package reproduces, as its rendering's first line says.
const PykickstartVersion = pykickstartVersion
