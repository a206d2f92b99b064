package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What a failed stage kept in its run directory (guest-install's console
// and installer logs) may hold a secret when it was written by an older
// imgpipe or by the stage's process: the HTML report and `imgpipe serve`
// show it with URL credentials and kickstart passwords masked
// (docs/reliability-secrets.md).
func TestReportAndServeMaskKeptFiles(t *testing.T) {
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "store")
	recipe := `
build {
  name    = "kept"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "install" {
  command = ["sh", "-c", "echo installing; exit 3"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "recipe.hcl"), []byte(recipe), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := imgpipeCmd("run", "--progress", "plain", "--store", storeDir, "recipe.hcl")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the run succeeded:\n%s", out)
	}
	run := newestRun(t, storeDir)
	stageDir := filepath.Join(storeDir, "runs", run, "x86_64", "install")
	secrets := []string{"consolepw-3a9f1", "consoletoken-7c2e4", "programpw-5d8b0"}
	kept := map[string]string{
		// guest-install's name for it (stages/guestinstall/run.go,
		// consoleFile): the report shows it inline.
		"install-console.log": "Command line: inst.ks=https://fetch:consolepw-3a9f1@ks.example/ks.cfg?token=consoletoken-7c2e4 quiet\nkernel panic\n",
		"program.log":         "Running... cat /tmp/ks.cfg\nrootpw programpw-5d8b0\n",
	}
	for name, text := range kept {
		if err := os.WriteFile(filepath.Join(stageDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	page := filepath.Join(dir, "report.html")
	if out, err := imgpipeCmd("report", "--store", storeDir, "--format", "html", "-o", page, run).CombinedOutput(); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{"report --format html": string(html)}
	if !strings.Contains(string(html), "inst.ks=https://fetch:[sensitive]@ks.example/ks.cfg?token=[sensitive]") {
		t.Errorf("the report does not show the console masked:\n%s", html)
	}

	base := startServe(t, storeDir, "--listen", "127.0.0.1:0")
	for name := range kept {
		code, body := get(t, base+"/files/runs/"+run+"/x86_64/install/"+name)
		if code != http.StatusOK || !strings.Contains(body, "[sensitive]") {
			t.Errorf("serve %s: %d\n%s", name, code, body)
		}
		shown["serve "+name] = body
	}
	for where, text := range shown {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q", where, s)
			}
		}
	}
}
