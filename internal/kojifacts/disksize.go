package kojifacts

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ozDiskSizeHelp is Oz's own error message for a disk size it cannot read
// (oz/TDL.py _parse_disksize).
const ozDiskSizeHelp = "Invalid disk size; it must be specified as an integer size with an optional SI or IEC unit suffix, e.g. '10TB' or '16GiB'"

// ozDiskUnits are the suffixes of oz/TDL.py _parse_disksize, lower-cased:
// b; g and t (GiB and TiB, "for backwards compatibility"); kb ... yb,
// powers of 1000; kib ... yib, powers of 1024. No suffix is GiB.
var ozDiskUnits = func() map[string]*big.Int {
	u := map[string]*big.Int{
		"b": big.NewInt(1),
		"g": new(big.Int).Lsh(big.NewInt(1), 30),
		"t": new(big.Int).Lsh(big.NewInt(1), 40),
	}
	for i, prefix := range []string{"k", "m", "g", "t", "p", "e", "z", "y"} {
		u[prefix+"b"] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(3*(i+1))), nil)
		u[prefix+"ib"] = new(big.Int).Lsh(big.NewInt(1), uint(10*(i+1)))
	}
	return u
}()

// Errors of OzDiskSize that callers may tell apart: Oz refuses the first;
// it accepts the others, but the disk cannot be made.
var (
	ErrOzDiskSize    = errors.New(ozDiskSizeHelp)
	ErrDiskSizeZero  = errors.New("a disk of 0 bytes: Oz accepts it, but the install cannot fit; give a positive size")
	ErrDiskSizeLarge = errors.New("more than 8 EiB: Oz accepts it, but no disk image can be that large")
	ErrDiskSizeEmpty = errors.New("empty: Koji writes an empty <size/> into the TDL and Oz then makes a disk of 10 bytes; give a size such as \"10\" (GiB)")
)

// OzDiskSize reads a disk size (koji image-build --disk-size, the INI's
// disk_size) as Oz does, since Koji passes the string unchanged into the
// TDL's <disk><size> (builder/kojid ImageBuildTask's TDL template) and Oz's
// oz/TDL.py _parse_disksize reads it: spaces dropped and letters lower-cased;
// the leading digits are the number and everything after them the suffix,
// which must be one of ozDiskUnits or empty (GiB). It returns the size in
// bytes.
//
// Where Oz would accept the value but cannot make the disk (0, more than
// what an int64 holds) or breaks on it (an empty value), the error says so.
// Only ASCII digits count: Python's isdigit also takes other scripts' digits.
func OzDiskSize(s string) (int64, error) {
	if s == "" {
		return 0, ErrDiskSizeEmpty
	}
	t := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	number, suffix := t[:i], t[i:]
	if suffix == "" {
		suffix = "gib"
	}
	factor, ok := ozDiskUnits[suffix]
	if number == "" || !ok {
		return 0, fmt.Errorf("%q: %w", s, ErrOzDiskSize)
	}
	n, _ := new(big.Int).SetString(number, 10)
	n.Mul(n, factor)
	switch {
	case n.Sign() == 0:
		return 0, fmt.Errorf("%q: %w", s, ErrDiskSizeZero)
	case !n.IsInt64():
		return 0, fmt.Errorf("%q: %w", s, ErrDiskSizeLarge)
	}
	return n.Int64(), nil
}

// OzDiskSpelling writes a positive size in bytes as Oz reads it, with the
// largest IEC unit that divides it (4096 MiB is "4GiB", 1536 MiB
// "1536MiB"), or in bytes ("512B").
func OzDiskSpelling(bytes int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u := 0
	for u < len(units)-1 && bytes != 0 && bytes%1024 == 0 {
		bytes /= 1024
		u++
	}
	return fmt.Sprintf("%d%s", bytes, units[u])
}
