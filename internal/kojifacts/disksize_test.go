package kojifacts_test

import (
	"errors"
	"testing"

	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// Expected values from oz/TDL.py _parse_disksize (units: kb..yb are
// 10**(3*i), kib..yib 2**(10*i), g and t are GiB and TiB, no suffix GiB),
// and Oz's own cases in tests/tdl/test_tdl.py (the test-NN-*.tdl files'
// <disk><size>) and tests/guest/test_guest.py test_init_guest.
func TestOzDiskSizeAccepts(t *testing.T) {
	for in, want := range map[string]int64{
		"10":         10 << 30, // tests/tdl/test-51-disk-size.tdl: True
		"20":         20 << 30, // tests/guest/test_guest.py test_init_guest: 20*(2**30)
		"10T":        10 << 40, // test-58-disk-size-tebibyte-compat.tdl: True ("t" is TiB)
		"2EiB":       2 << 60,  // test-63-disk-size-exbibyte.tdl: True
		"10000000 B": 10000000, // test-65-disk-size-byte.tdl: True (spaces dropped)
		"20gib":      20 << 30, // lower-cased before the lookup: Oz accepts it
		"10gb":       10e9,     // "gb": 10**9
		"16GiB":      16 << 30, // Oz's error message's example
		"10TB":       10e12,    // Oz's error message's example
		"8G":         8 << 30,  // "g" is GiB
		"1 0 G i B":  10 << 30, // every space dropped
		"512KiB":     512 << 10,
		"4096MiB":    4 << 30,
		"4096mb":     4096e6,
		"1PB":        1e15,
		"007":        7 << 30, // int("007")
	} {
		got, err := kojifacts.OzDiskSize(in)
		if err != nil || got != want {
			t.Errorf("OzDiskSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestOzDiskSizeRefuses(t *testing.T) {
	for in, want := range map[string]error{
		"10E":   kojifacts.ErrOzDiskSize, // tests/tdl/test-56-invalid-disk-size.tdl: False ("e" alone is no unit)
		"T10":   kojifacts.ErrOzDiskSize, // test-57-invalid-disk-size.tdl: False (no leading digits)
		"4096M": kojifacts.ErrOzDiskSize, // "m" alone is no unit (only g and t are)
		"20K":   kojifacts.ErrOzDiskSize,
		"20Gi":  kojifacts.ErrOzDiskSize,
		"1.5G":  kojifacts.ErrOzDiskSize, // an integer size only: suffix ".5g"
		"GiB":   kojifacts.ErrOzDiskSize, // no number
		" ":     kojifacts.ErrOzDiskSize, // spaces dropped: no number
		"\t10":  kojifacts.ErrOzDiskSize, // only spaces are dropped
		"10G5":  kojifacts.ErrOzDiskSize, // the suffix is everything after the first non-digit
		"-1":    kojifacts.ErrOzDiskSize,
		// Oz accepts these, but no disk can be made of them.
		"10ZB": kojifacts.ErrDiskSizeLarge, // test-64-disk-size-zettabyte.tdl: True in Oz; 10**22 bytes
		"0":    kojifacts.ErrDiskSizeZero,
		"0gb":  kojifacts.ErrDiskSizeZero,
		"":     kojifacts.ErrDiskSizeEmpty,
	} {
		if got, err := kojifacts.OzDiskSize(in); !errors.Is(err, want) {
			t.Errorf("OzDiskSize(%q) = %d, %v; want %v", in, got, err, want)
		}
	}
}

func TestOzDiskSpelling(t *testing.T) {
	for in, want := range map[int64]string{
		4 << 30: "4GiB", 1536 << 20: "1536MiB", 20 << 10: "20KiB", 512: "512B", 1000: "1000B", 3 << 60: "3EiB",
	} {
		got := kojifacts.OzDiskSpelling(in)
		if got != want {
			t.Errorf("OzDiskSpelling(%d) = %q, want %q", in, got, want)
		}
		if back, err := kojifacts.OzDiskSize(got); err != nil || back != in {
			t.Errorf("OzDiskSize(OzDiskSpelling(%d)) = %d, %v", in, back, err)
		}
	}
}

// FuzzOzDiskSize: any string reads without panicking, and a size read is
// positive and spelled back to itself.
func FuzzOzDiskSize(f *testing.F) {
	for _, s := range []string{"10", "20gib", "10ZB", "T10", "1 0 G i B", "", "0", "99999999999999999999999yib"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := kojifacts.OzDiskSize(s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Fatalf("OzDiskSize(%q) = %d", s, n)
		}
		if back, err := kojifacts.OzDiskSize(kojifacts.OzDiskSpelling(n)); err != nil || back != n {
			t.Fatalf("OzDiskSize(%q) = %d, spelled %q, read back %d, %v", s, n, kojifacts.OzDiskSpelling(n), back, err)
		}
	})
}
