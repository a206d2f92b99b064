package report

import "strings"

// maxDiffCells bounds the work of LineDiff (lines × lines); files beyond
// it are shown as all removed and all added.
const maxDiffCells = 4 << 20

// Diff is two texts side by side, line by line.
type Diff struct {
	Left, Right string // their names
	Rows        []DiffRow
	Changed     int // rows that differ
}

// DiffRow is one row of a side-by-side diff. Op is "same", "changed",
// "removed" (only Left) or "added" (only Right).
type DiffRow struct {
	Op                  string
	LeftN, RightN       int // line numbers from 1; 0 for none
	LeftLine, RightLine string
}

// LineDiff compares a and b by lines (a longest common subsequence), and
// pairs runs of removed and added lines as changed rows.
func LineDiff(a, b string) *Diff {
	x, y := splitLines(a), splitLines(b)
	// ops: ' ' same, '-' only in x, '+' only in y.
	var ops []byte
	if len(x)*len(y) > maxDiffCells {
		ops = append(ops, strings.Repeat("-", len(x))...)
		ops = append(ops, strings.Repeat("+", len(y))...)
	} else {
		// lcs[i][j]: the common subsequence length of x[i:] and y[j:].
		lcs := make([][]int32, len(x)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(y)+1)
		}
		for i := len(x) - 1; i >= 0; i-- {
			for j := len(y) - 1; j >= 0; j-- {
				if x[i] == y[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(x) || j < len(y) {
			switch {
			case i < len(x) && j < len(y) && x[i] == y[j]:
				ops = append(ops, ' ')
				i++
				j++
			case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
				ops = append(ops, '+')
				j++
			default:
				ops = append(ops, '-')
				i++
			}
		}
	}
	d := &Diff{}
	i, j := 0, 0
	for k := 0; k < len(ops); {
		if ops[k] == ' ' {
			d.Rows = append(d.Rows, DiffRow{Op: "same", LeftN: i + 1, RightN: j + 1, LeftLine: x[i], RightLine: y[j]})
			i, j, k = i+1, j+1, k+1
			continue
		}
		var del, ins []int
		for ; k < len(ops) && ops[k] != ' '; k++ {
			if ops[k] == '-' {
				del = append(del, i)
				i++
			} else {
				ins = append(ins, j)
				j++
			}
		}
		for n := 0; n < max(len(del), len(ins)); n++ {
			row := DiffRow{Op: "changed"}
			if n < len(del) {
				row.LeftN, row.LeftLine = del[n]+1, x[del[n]]
			} else {
				row.Op = "added"
			}
			if n < len(ins) {
				row.RightN, row.RightLine = ins[n]+1, y[ins[n]]
			} else {
				row.Op = "removed"
			}
			d.Rows = append(d.Rows, row)
			d.Changed++
		}
	}
	return d
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
