package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/imgpipe/imgpipe/internal/bigconfig"
	"github.com/imgpipe/imgpipe/internal/gogetter/helper"
	"github.com/imgpipe/imgpipe/internal/kojihub/kojihubtest"
	"github.com/imgpipe/imgpipe/schemas"
)

// TestMain lets the test binary double as the imgpipe command: testscript
// installs it in $PATH as "imgpipe", so scripts run the real CLI, exit codes
// and all, with `exec imgpipe ...`. It is imgpipe-getter too, found on
// that $PATH by scripts and by the tests that run imgpipe in-process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"imgpipe":        func() { os.Exit(Main()) },
		"imgpipe-getter": helper.Main,
	})
}

// TestScripts runs testdata/script/*.txtar. Set UPDATE_SCRIPTS=1 to rewrite
// the golden files that `cmp` compares against.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			// A hermetic environment: testscript already passes only a
			// fixed set of variables (PATH is kept, so sh, cat and the
			// imgpipe under test are found). Make sure no store leaks in
			// from the caller, and give HOME a real, private directory.
			vars := env.Vars[:0]
			for _, kv := range env.Vars {
				if !strings.HasPrefix(kv, "IMGPIPE_STORE=") {
					vars = append(vars, kv)
				}
			}
			env.Vars = vars
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":     cmdExitcode,
			"gen":          cmdGen,
			"kojihub":      cmdKojihub,
			"plan-matches": cmdPlanMatches,
			"opts-match":   cmdOptsMatch,
			"schema-valid": cmdSchemaValid,
		},
	})
}

// cmdExitcode implements
//
//	exitcode N PROGRAM [ARGS...]
//
// It runs PROGRAM as `exec` does, keeping its stdout and stderr for the
// `stdout` and `stderr` commands that follow, and fails unless it exited
// with status N. Use it where the exact code matters; `! exec` accepts any
// failure, a crash included.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exitcode (name the status you expect)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 {
		ts.Fatalf("exitcode: %q is not an exit status", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	switch {
	case got < 0: // killed by a signal
		ts.Fatalf("%s: %v, want exit status %d", args[1], err, want)
	case got != want:
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdGen implements
//
//	gen KIND N FILE
//
// It writes a large, deep or wide input of KIND and size N
// (internal/bigconfig.Kinds) to FILE, for the tests of input limits.
func cmdGen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: gen KIND N FILE")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("gen: %q is not a number", args[1])
	}
	ts.Check(bigconfig.WriteFile(ts.MkAbs(args[2]), args[0], n))
}

// cmdKojihub implements
//
//	kojihub [SCENARIO...]
//
// It starts the fake Koji hub (internal/kojihub/kojihubtest) answering the
// recorded calls of the scenarios named (all of them by default) until the
// script ends, and sets $KOJIHUB to its URL, $KOJIHUB_ROOT to the URL its
// misbehaving paths hang from ($KOJIHUB_ROOT/hang/kojihub, see
// kojihubtest.Hub.At), $KOJIHUB_CA to its CA certificate, and
// $SSL_CERT_FILE to the same, so that --hub trusts it.
func cmdKojihub(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! kojihub")
	}
	if len(args) == 0 {
		names, err := kojihubtest.Scenarios()
		ts.Check(err)
		args = names
	}
	var dirs []string
	for _, name := range args {
		dirs = append(dirs, kojihubtest.Scenario(name))
	}
	hub, err := kojihubtest.Start(ts.MkAbs("."), dirs...)
	ts.Check(err)
	ts.Defer(hub.Close)
	ts.Setenv("KOJIHUB", hub.URL)
	ts.Setenv("KOJIHUB_ROOT", strings.TrimSuffix(hub.At("x"), "/x/kojihub"))
	ts.Setenv("KOJIHUB_CA", hub.CAFile)
	ts.Setenv("SSL_CERT_FILE", hub.CAFile)
}

// cmdSchemaValid implements
//
//	schema-valid NAME.schema.json
//
// checking the last command's stdout, one JSON document, against the
// schema of that name in schemas/ (as embedded in the schemas package),
// formats asserted.
func cmdSchemaValid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: schema-valid NAME.schema.json")
	}
	b, err := schemas.FS.ReadFile(args[0])
	ts.Check(err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	ts.Check(err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	ts.Check(c.AddResource("mem:///"+args[0], doc))
	sch, err := c.Compile("mem:///" + args[0])
	ts.Check(err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(ts.ReadFile("stdout"))))
	if err != nil {
		ts.Fatalf("stdout is not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		ts.Fatalf("stdout does not match schemas/%s: %v", args[0], err)
	}
}
