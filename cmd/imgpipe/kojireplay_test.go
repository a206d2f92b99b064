package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imgpipe/imgpipe/internal/kojihub"
	"github.com/imgpipe/imgpipe/internal/kojihub/kojihubtest"
)

// The commands the koji replay scripts (testdata/script/koji_replay*.txtar)
// check its recipes with, registered on TestScripts: plan-matches and
// opts-match.

// planGolden is a hand-written expectation of `plan --json`: the build
// exactly, the stage instances by key, and of each its kind, executor,
// configuration values (a subset) and strings its first command holds.
// Stage IDs are not in it: nobody can derive them by hand.
type planGolden struct {
	Build  map[string]any `json:"build"`
	Stages map[string]struct {
		Kind       string         `json:"kind"`
		Executor   string         `json:"executor"`
		Config     map[string]any `json:"config"`
		CommandHas []string       `json:"command_has"`
	} `json:"stages"`
}

// cmdPlanMatches implements
//
//	plan-matches GOLDEN.json
//
// checking the last command's stdout, a `plan --json`, against GOLDEN.
func cmdPlanMatches(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: plan-matches GOLDEN.json")
	}
	var golden planGolden
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &golden))
	var plan struct {
		Build  map[string]any `json:"build"`
		Stages []struct {
			Key      string         `json:"key"`
			Kind     string         `json:"kind"`
			Executor string         `json:"executor"`
			Config   map[string]any `json:"config"`
		} `json:"stages"`
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &plan))
	if !reflect.DeepEqual(plan.Build, golden.Build) {
		ts.Fatalf("build: got %v, want %v", plan.Build, golden.Build)
	}
	var keys []string
	for _, s := range plan.Stages {
		keys = append(keys, s.Key)
		g, ok := golden.Stages[s.Key]
		if !ok {
			ts.Fatalf("stage %s is not in %s", s.Key, args[0])
		}
		if s.Kind != g.Kind {
			ts.Fatalf("%s: kind %s, want %s", s.Key, s.Kind, g.Kind)
		}
		if g.Executor != "" && s.Executor != g.Executor {
			ts.Fatalf("%s: executor %s, want %s", s.Key, s.Executor, g.Executor)
		}
		for name, want := range g.Config {
			if got := s.Config[name]; !reflect.DeepEqual(got, want) {
				ts.Fatalf("%s: %s = %v, want %v", s.Key, name, got, want)
			}
		}
		if len(g.CommandHas) > 0 {
			cmds, _ := s.Config["commands"].([]any)
			if len(cmds) == 0 {
				ts.Fatalf("%s has no commands", s.Key)
			}
			script, _ := cmds[0].(string)
			for _, want := range g.CommandHas {
				if !strings.Contains(script, want) {
					ts.Fatalf("%s: its command has no %q:\n%s", s.Key, want, script)
				}
			}
		}
	}
	for k := range golden.Stages {
		if !slices.Contains(keys, k) {
			ts.Fatalf("the plan has no stage %s (it has %s)", k, strings.Join(keys, ", "))
		}
	}
}

// replayPinned are what replay adds to a task's options, each said in the
// recipe's comments: the release the hub picked, the commit the builders
// checked out of a branch, the build tag's repository the task installed
// from (--topurl https://kojipkgs.example.org in the scripts), the copy of
// an uploaded kickstart.
var replayPinned = map[int64]map[string][]string{
	125000101: {
		"release": {"1"},
		"ksurl":   {"git+https://pagure.io/fedora-kickstarts.git?#3c2f1e0a9b7d"},
		"repo":    {"https://kojipkgs.example.org/repos/f41-build/6000101/$basearch"},
	},
	125000201: {
		"kickstart": {"fedora-minimal-appliance.ks"}, // the uploaded one, beside the recipe
		"repo":      {"https://kojipkgs.example.org/repos/f41-appliance-build/6000201/x86_64"},
	},
	125000601: {"release": {"1"}}, // kojid's BuildLiveCDTask asked the hub (getNextRelease)
}

// cmdOptsMatch implements
//
//	opts-match TASK-ID
//
// checking the last command's stdout, an `export-koji` (the INI of
// image-build, or a koji spin-* command line), against the request of
// TASK-ID as the fake hub's koji-replay scenario records it: its name, version, target, arches,
// install tree or kickstart, and every option, plus replayPinned.
func cmdOptsMatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: opts-match TASK-ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	b, err := kojihubtest.Response(kojihubtest.Scenario("koji-replay"), "getTaskInfo", id, true)
	ts.Check(err)
	v, err := kojihub.DecodeResponse(b)
	ts.Check(err)
	info, _ := v.(map[string]any)
	req, _ := info["request"].([]any)
	if len(req) != 6 {
		ts.Fatalf("task %d: a request of %d parameters", id, len(req))
	}
	method, _ := info["method"].(string)
	want := map[string][]string{
		"name": words(req[0]), "version": words(req[1]), "arches": words(req[2]), "target": words(req[3]),
	}
	if method == "image" {
		want["install_tree"] = words(req[4])
	} else {
		want["kickstart"] = words(req[4])
	}
	opts, _ := req[5].(map[string]any)
	for k, v := range opts {
		if w := words(v); len(w) > 0 {
			want[k] = w
		}
	}
	for k, v := range replayPinned[id] {
		want[k] = v
	}
	out := ts.ReadFile("stdout")
	var got map[string][]string
	if method == "image" {
		got = readExportedINI(ts, out)
	} else {
		got = readSpinCommand(ts, out)
	}
	for _, m := range []map[string][]string{want, got} {
		for _, k := range []string{"ova_option", "factory_parameter"} {
			slices.Sort(m[k])
		}
	}
	if !reflect.DeepEqual(got, want) {
		ts.Fatalf("export-koji gives\n  %v\nthe task's options (and what replay pinned) are\n  %v", got, want)
	}
}

// words is an option's value as strings: a list's items (a factory
// parameter pair as key=value), a scalar's text, true for a set flag,
// nothing for an unset one.
func words(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		if x {
			return []string{"true"}
		}
		return nil
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if pair, ok := e.([]any); ok && len(pair) == 2 {
				out = append(out, fmt.Sprintf("%v=%v", pair[0], pair[1]))
				continue
			}
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// readExportedINI reads export-koji's image-build INI into task option
// names: can_fail is optional_arches, the sections are ova_option and
// factory_parameter as key=value.
func readExportedINI(ts *testscript.TestScript, ini string) map[string][]string {
	got := map[string][]string{}
	section := ""
	for _, line := range strings.Split(ini, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			ts.Fatalf("not an INI line: %q", line)
		}
		v = strings.ReplaceAll(v, "%%", "%")
		switch {
		case section == "ova-options":
			got["ova_option"] = append(got["ova_option"], k+"="+v)
		case section == "factory-parameters":
			got["factory_parameter"] = append(got["factory_parameter"], k+"="+v)
		case k == "can_fail":
			got["optional_arches"] = strings.Split(v, ",")
		case slices.Contains([]string{"arches", "format", "repo"}, k):
			got[k] = strings.Split(v, ",")
		case v == "True":
			got[k] = []string{"true"}
		default:
			got[k] = []string{v}
		}
	}
	return got
}

// readSpinCommand reads export-koji's koji spin-* command line into task
// option names (each --flag's dest) and the positional arguments' names.
func readSpinCommand(ts *testscript.TestScript, cmd string) map[string][]string {
	argv := shellWords(ts, strings.TrimSpace(cmd))
	if len(argv) < 2 || argv[0] != "koji" {
		ts.Fatalf("not a koji command: %q", cmd)
	}
	got := map[string][]string{}
	var pos []string
	for _, a := range argv[2:] {
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(name, "=")
		dest := strings.ReplaceAll(name, "-", "_")
		if dest == "can_fail" {
			dest = "optional_arches"
		}
		if !hasVal {
			val = "true"
		}
		if dest == "optional_arches" {
			got[dest] = strings.Split(val, ",")
			continue
		}
		got[dest] = append(got[dest], val)
	}
	if len(pos) != 5 {
		ts.Fatalf("%s: %d positional arguments, want 5: %q", argv[1], len(pos), pos)
	}
	got["name"], got["version"], got["target"] = pos[:1], pos[1:2], pos[2:3]
	got["arches"] = strings.Split(pos[3], ",")
	got["kickstart"] = pos[4:5]
	return got
}

// shellWords splits a command line export-koji quoted for sh: words
// separated by spaces, single-quoted parts, a backslash escaping one
// character ('\” is a quote inside quotes).
func shellWords(ts *testscript.TestScript, s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		ts.Fatalf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
