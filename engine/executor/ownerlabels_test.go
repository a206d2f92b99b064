package executor

import (
	"maps"
	"os/exec"
	"strconv"
	"testing"
)

// OwnerGone is true only for the labels of a process of this boot and pid
// namespace that has exited: never for a live one's, another boot's or
// another namespace's, nor for missing or malformed labels.
func TestOwnerGone(t *testing.T) {
	own := OwnerLabels()
	if own[LabelOwnerPID] == "" || own[LabelOwnerStart] == "" || own[LabelOwnerBoot] == "" || own[LabelOwnerPIDNS] == "" {
		t.Fatalf("OwnerLabels() = %v, want all four labels", own)
	}

	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st, err := procStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	dead := maps.Clone(own)
	dead[LabelOwnerPID] = strconv.Itoa(cmd.Process.Pid)
	dead[LabelOwnerStart] = strconv.FormatUint(st.start, 10)
	if OwnerGone(dead) {
		t.Error("OwnerGone is true while the process runs")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !OwnerGone(dead) {
		t.Errorf("OwnerGone(%v) is false after the process exited", dead)
	}

	with := func(k, v string) map[string]string {
		m := maps.Clone(dead)
		m[k] = v
		return m
	}
	for name, labels := range map[string]map[string]string{
		"live":           own,
		"another boot":   with(LabelOwnerBoot, "00000000-0000-0000-0000-000000000000"),
		"another pid ns": with(LabelOwnerPIDNS, "pid:[1]"),
		"no start":       with(LabelOwnerStart, ""),
		"malformed pid":  with(LabelOwnerPID, "x"),
		"no labels":      nil,
	} {
		if OwnerGone(labels) {
			t.Errorf("%s: OwnerGone(%v) is true", name, labels)
		}
	}
}
