package qemu

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// sizeUnits are the suffixes ParseSize accepts: K, M, G, T and their
// KiB... forms are powers of 1024; KB, MB, GB, TB are powers of 1000, as
// Oz reads a TDL disk size.
var sizeUnits = map[string]int64{
	"": 0, "B": 1,
	"K": 1 << 10, "KI": 1 << 10, "KIB": 1 << 10, "KB": 1e3,
	"M": 1 << 20, "MI": 1 << 20, "MIB": 1 << 20, "MB": 1e6,
	"G": 1 << 30, "GI": 1 << 30, "GIB": 1 << 30, "GB": 1e9,
	"T": 1 << 40, "TI": 1 << 40, "TIB": 1 << 40, "TB": 1e12,
}

// ParseSize reads a size in bytes; a bare number is in units of bare
// (1<<30 for a disk size, as Oz; 1<<20 for memory).
func ParseSize(s string, bare int64) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q: want a positive number with an optional unit (512M, 10G, 2GiB)", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q", s, t[i:])
	}
	if mult == 0 {
		mult = bare
	}
	// A whole number is read exactly: the image_build preset passes Oz's
	// disk sizes in bytes, which a float64 would round.
	if whole, err := strconv.ParseInt(num, 10, 64); err == nil {
		if whole > math.MaxInt64/mult {
			return 0, fmt.Errorf("invalid size %q: too large", s)
		}
		return whole * mult, nil
	}
	if n*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(n * float64(mult)), nil
}

// ParseDuration reads a Go duration ("20m", "90s") or a bare number of
// seconds, as Oz's configuration gives timeouts.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("invalid duration %q: must be positive", s)
		}
		if n*float64(time.Second) >= math.MaxInt64 {
			return 0, fmt.Errorf("invalid duration %q: too long", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want e.g. 20m, 300s or a number of seconds", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("invalid duration %q: must be positive", s)
	}
	return d, nil
}
