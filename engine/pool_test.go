package engine

import "testing"

// TestPlace checks which builder of a pool a stage goes to.
func TestPlace(t *testing.T) {
	up := func(running, jobs int) builderLoad { return builderLoad{Healthy: true, Running: running, Jobs: jobs} }
	lost := func(running, jobs int) builderLoad { return builderLoad{Running: running, Jobs: jobs} }
	tests := []struct {
		name string
		pool []builderLoad
		want int
	}{
		{"idle pool: the first declared", []builderLoad{up(0, 1), up(0, 1)}, 0},
		{"the first is full: the next", []builderLoad{up(1, 1), up(0, 1)}, 1},
		{"all full: wait", []builderLoad{up(1, 1), up(2, 2)}, -1},
		{"least loaded by share of its jobs", []builderLoad{up(1, 4), up(0, 1)}, 1},
		{"equal shares: the first declared", []builderLoad{up(1, 2), up(2, 4)}, 0},
		{"a less loaded one declared later", []builderLoad{up(2, 4), up(0, 2), up(1, 4)}, 1},
		{"a lost builder is skipped", []builderLoad{lost(0, 1), up(0, 1)}, 1},
		{"a lost one is not used while a healthy one is busy", []builderLoad{lost(0, 1), up(1, 1)}, -1},
		{"all lost: each dials again", []builderLoad{lost(1, 1), lost(0, 1)}, 1},
		{"empty pool", nil, -1},
	}
	for _, tt := range tests {
		if got := place(tt.pool); got != tt.want {
			t.Errorf("%s: place(%+v) = %d, want %d", tt.name, tt.pool, got, tt.want)
		}
	}
}
