package kickstart

import (
	"errors"
	"strings"
)

// typeFuncs are the type= callbacks of pykickstart's option parsers, by
// the name the tables give them.
var typeFuncs = map[string]typeFunc{
	"int": func(_, s string) (Value, error) {
		n, ok := parsePyInt(s)
		if !ok {
			return nil, errors.New("invalid int")
		}
		return n, nil
	},
	"commaSplit": func(_, s string) (Value, error) { return commaSplit(s), nil },
	"ksboolean": func(_, s string) (Value, error) {
		switch strings.ToLower(s) {
		case "on", "yes", "true", "1":
			return true, nil
		case "off", "no", "false", "0":
			return false, nil
		}
		return nil, &argTypeError{msg: "invalid boolean value: " + pyRepr(s)}
	},
	"mountpoint": func(_, s string) (Value, error) {
		if strings.HasPrefix(s, "/") {
			return normpath(s), nil
		}
		return s, nil
	},
	"firewall_port_cb": func(_, s string) (Value, error) {
		var out []string
		for _, p := range strings.Split(s, ",") {
			p = pyStrip(p)
			if !strings.Contains(p, ":") {
				p += ":tcp"
			}
			out = append(out, p)
		}
		return out, nil
	},
	"part_cb": func(_, s string) (Value, error) {
		return strings.TrimPrefix(s, "/dev/"), nil
	},
	"level_cb": func(_, s string) (Value, error) {
		if l, ok := btrfsLevels[strings.ToLower(s)]; ok {
			return l, nil
		}
		return nil, &ksTypeError{msg: "Invalid btrfs level: " + s}
	},
	"_level_cb": func(cls, s string) (Value, error) {
		l, ok := raidLevels[strings.ToUpper(s)]
		if ok && !(l == "RAID4" && raidWithoutRAID4[cls]) && !(l == "RAID10" && raidWithoutRAID10[cls]) {
			return l, nil
		}
		return nil, &ksTypeError{msg: "Invalid raid level: " + s}
	},
	"_device_cb": func(cls, s string) (Value, error) {
		if cls == "F43_Raid" || cls == "RHEL10_Raid" {
			return s, nil
		}
		return strings.TrimPrefix(s, "md"), nil
	},
	"_type_cb": func(cls, s string) (Value, error) {
		// F17_AutoPart and F18_AutoPart know no thinp.
		if t, ok := autopartTypes[strings.ToLower(s)]; ok && !(t == autopartThinp && (cls == "F17_AutoPart" || cls == "F18_AutoPart")) {
			return pyInt(t), nil
		}
		return nil, &ksTypeError{msg: "Invalid autopart type: " + s}
	},
	"_when_cb": func(_, s string) (Value, error) {
		switch strings.ToLower(s) {
		case "post-install":
			return pyInt(0), nil
		case "pre-install":
			return pyInt(1), nil
		}
		return nil, &ksTypeError{msg: "Invalid parameter to --when= argument: " + s}
	},
	"_teamslaves_cb": func(_, s string) (Value, error) { return teamSlaves(s), nil },
}

func commaSplit(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = pyStrip(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

var btrfsLevels = map[string]string{
	"raid0": "raid0", "0": "raid0", "raid1": "raid1", "1": "raid1",
	"raid10": "raid10", "10": "raid10", "single": "single",
}

var raidLevels = map[string]string{
	"RAID0": "RAID0", "0": "RAID0", "RAID1": "RAID1", "1": "RAID1",
	"RAID4": "RAID4", "4": "RAID4", "RAID5": "RAID5", "5": "RAID5",
	"RAID6": "RAID6", "6": "RAID6", "RAID10": "RAID10", "10": "RAID10",
}

// The raid classes whose levelMap lacks RAID4 (before F13 and RHEL6) or
// RAID10 (before F7 and RHEL5).
var (
	raidWithoutRAID4  = map[string]bool{"FC3_Raid": true, "FC4_Raid": true, "FC5_Raid": true, "F7_Raid": true, "F9_Raid": true, "F12_Raid": true, "RHEL5_Raid": true}
	raidWithoutRAID10 = map[string]bool{"FC3_Raid": true, "FC4_Raid": true, "FC5_Raid": true}
)

// Autopart types (pykickstart.constants).
const (
	autopartPlain = 0
	autopartBtrfs = 1
	autopartLVM   = 2
	autopartThinp = 3
)

var autopartTypes = map[string]int64{
	"lvm": autopartLVM, "btrfs": autopartBtrfs, "plain": autopartPlain,
	"partition": autopartPlain, "thinp": autopartThinp,
}

// teamSlaves parses network --teamslaves: devices separated by commas,
// each optionally followed by its JSON config in single quotes.
func teamSlaves(value string) []teamSlave {
	out := []teamSlave{}
	if value == "" {
		return out
	}
	parts := strings.Split(value, "'")
	if len(parts)%2 == 1 {
		if parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		} else {
			parts = append(parts, "")
		}
	}
	for i := 0; i+1 < len(parts); i += 2 {
		devs := strings.Split(strings.Trim(parts[i], ","), ",")
		for _, d := range devs[:len(devs)-1] {
			out = append(out, teamSlave{dev: d})
		}
		out = append(out, teamSlave{dev: devs[len(devs)-1], cfg: parts[i+1]})
	}
	return out
}
