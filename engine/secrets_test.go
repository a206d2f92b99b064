package engine_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine"
)

// Values computed from a sensitive variable are secrets too: they are
// masked in the plan's configuration, the stage logs, the events, the
// errors and report.json, while the processes get them.
func TestRunMasksSensitiveValues(t *testing.T) {
	e := newEnv(t)
	src := `
variable "key" {
  sensitive = true
  default   = "Key-Secret-41"
}
locals {
  shouted = upper(var.key)
}
build {
  name    = "masked"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "say" {
  command = ["sh", "-c", "echo reversed ${strrev(var.key)}; echo shouted ${local.shouted} >&2; echo ${var.key} >$IMGPIPE_OUT/key"]
  outputs = ["key"]
}
stage "exec" "broken" {
  command    = ["/nonexistent/${local.shouted}"]
  depends_on = [stage.say]
}
`
	secrets := []string{"Key-Secret-41", "KEY-SECRET-41", "14-terceS-yeK"}
	res := e.run(src, engine.RunOptions{})
	if res.err == nil {
		t.Fatal("the run succeeded; the broken stage must fail")
	}
	for _, s := range secrets {
		if got := res.plan.Secrets.Mask("x " + s + " y"); got != "x [sensitive] y" {
			t.Errorf("the plan's secrets mask %q as %q", s, got)
		}
	}
	doc, _ := json.Marshal(res.plan.Doc(nil))
	evs, _ := json.Marshal(res.events)
	var logged, failed bool
	for _, ev := range res.events {
		logged = logged || ev.Line == "reversed [sensitive]"
		failed = failed || strings.Contains(ev.Error, `start "[sensitive]"`)
	}
	if !logged || !failed {
		t.Errorf("events: no masked log line (%v) or masked error (%v):\n%s", logged, failed, evs)
	}
	found := map[string]string{"plan --json": string(doc), "events": string(evs)}
	err := filepath.WalkDir(filepath.Join(e.store.Dir, "runs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		found[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range found {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds %q", where, s)
			}
		}
	}
	// The process got the value itself.
	if got := e.output(res.plan.Nodes[0].ID, "key"); got != "Key-Secret-41\n" {
		t.Errorf("the process wrote %q", got)
	}
}

// A sensitive number or bool is a secret too: the number is masked where
// it is written as text (a process that prints it, here after reading it
// out of JSON), and both are masked in the plan's configuration, where
// they are values of their own type.
func TestRunMasksSensitiveNumbersAndBools(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.dir, "local.ks"), []byte("lang en_US.UTF-8\nreboot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := `
variable "pin" {
  type      = number
  sensitive = true
  default   = 918273
}
variable "insecure" {
  type      = bool
  sensitive = true
  default   = true
}
build {
  name    = "masked"
  version = "1"
  arches  = ["x86_64"]
}
`
	flatten := `
stage "flatten" "ks" {
  source      = "local.ks"
  noverifyssl = var.insecure
}
`
	say := `
stage "exec" "say" {
  env     = { CFG = jsonencode({ pin = var.pin }) }
  command = ["sh", "-c", "echo pin $(echo \"$CFG\" | tr -cd 0-9)"]
}
`
	plan := e.plan(vars + flatten + say)
	doc, _ := json.Marshal(plan.Doc(nil))
	if strings.Contains(string(doc), "918273") || strings.Contains(string(doc), `"noverifyssl":true`) ||
		!strings.Contains(string(doc), `"noverifyssl":"[sensitive]"`) {
		t.Errorf("plan --json shows a sensitive number or bool:\n%s", doc)
	}

	res := e.run(vars+say, engine.RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	evs, _ := json.Marshal(res.events)
	if strings.Contains(string(evs), "918273") || !strings.Contains(string(evs), "pin [sensitive]") {
		t.Errorf("the events show the sensitive number:\n%s", evs)
	}
}
