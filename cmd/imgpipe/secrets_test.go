package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The secrets of a recipe reach the processes that need them and nowhere
// else (docs/reliability-secrets.md): the real CLI runs a recipe that plants
// one secret in each place a secret can come from, then every file of the
// store and everything the commands printed is searched for them.
func TestSecretsStaySecret(t *testing.T) {
	secrets := map[string]string{
		"sensitive variable": "dk-sensitive-7f3a91",
		"URL password":       "urlpass-5c2e0",
		"URL token":          "urltoken-9d81f",
		"kickstart rootpw":   "rootpw-b44f1",
		"kickstart sshpw":    "sshpw-a7c02",
		"user --password":    "userpw-e19d3",
		"env PASSWORD":       "envpw-3b7e5",
		"executor password":  "sshpass-41c9",
	}
	ks := fmt.Sprintf(`lang en_US.UTF-8
keyboard us
timezone UTC
rootpw --plaintext %s
sshpw --username=install %s --plaintext
user --name=alice --password=%s --plaintext
reboot
%%packages
@core
%%end
`, secrets["kickstart rootpw"], secrets["kickstart sshpw"], secrets["user --password"])
	ksSum := sha256.Sum256([]byte(ks))

	// The kickstart server: only the right password and token get it.
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if r.URL.Path != "/ks/secret.ks" || user != "fetcher" || pass != secrets["URL password"] || r.URL.Query().Get("token") != secrets["URL token"] {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		fetched.Add(1)
		w.Write([]byte(ks))
	}))
	defer srv.Close()
	ksURL := strings.Replace(srv.URL, "http://", "http://fetcher:"+secrets["URL password"]+"@", 1) +
		"/ks/secret.ks?token=" + secrets["URL token"]

	dir := t.TempDir()
	storeDir := filepath.Join(dir, "store")
	recipePath := filepath.Join(dir, "recipe.hcl")
	recipe := fmt.Sprintf(`
variable "deploy_key" {
  type      = string
  sensitive = true
}

build {
  name    = "secrets"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetch-ks" "ks" {
  url      = %q
  checksum = "sha256:%x"
}

stage "flatten" "flat" {
  source = stage.ks.kickstart
  lint   = "warn"
}

# The process gets the secrets, in its argv and its environment: it
# prints them, and writes their digest to prove it had them.
stage "exec" "disk" {
  env = {
    KEY         = var.deploy_key
    DB_PASSWORD = %q
  }
  command = ["sh", "-c", <<-EOT
    echo "deploying with key ${var.deploy_key} and $DB_PASSWORD"
    echo "the key is ${var.deploy_key}" >&2
    printf '%%s' "$KEY" | sha256sum >"$IMGPIPE_OUT/key.sha256"
    printf '%%s' "$DB_PASSWORD" | sha256sum >"$IMGPIPE_OUT/env.sha256"
    echo disk >"$IMGPIPE_OUT/disk.raw"
    echo "installed with $KEY and $DB_PASSWORD" >"$IMGPIPE_OUT/install.log"
    EOT
  ]
  outputs = ["disk.raw", "install.log", "key.sha256", "env.sha256"]
}

stage "upload" "publish" {
  artifacts     = { raw = stage.disk["disk.raw"] }
  logs          = [stage.disk["install.log"]]
  kickstarts    = [stage.flat.original, stage.flat.kickstart]
  kickstart_url = %q
}
`, ksURL, ksSum, secrets["env PASSWORD"], ksURL)
	if err := os.WriteFile(recipePath, []byte(recipe), 0o644); err != nil {
		t.Fatal(err)
	}

	// A failing fetch: its error names the URL.
	badURL := strings.Replace(ksURL, "/ks/secret.ks", "/ks/missing.ks", 1)
	bad := fmt.Sprintf(`
variable "deploy_key" {
  sensitive = true
}

build {
  name    = "bad"
  version = "1"
  arches  = ["x86_64"]
}
stage "fetch-ks" "ks" {
  url      = %q
  checksum = "sha256:%x"
}
`, badURL, ksSum)
	if err := os.WriteFile(filepath.Join(dir, "bad.hcl"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}

	// validate lints a local kickstart and quotes it.
	local := `
build {
  name    = "local"
  version = "1"
  arches  = ["x86_64"]
}
stage "flatten" "flat" {
  source   = "local.ks"
  lint     = "warn"
  lint_for = "image-build"
}
`
	// An executor whose connection holds a password, and cannot be
	// opened: the warning and the error name it.
	remote := fmt.Sprintf(`
build {
  name    = "remote"
  version = "1"
  arches  = ["x86_64"]
}
executor "podman" "builder" {
  connection = "ssh://builder:%s@127.0.0.1:1/run/podman/podman.sock"
  arches     = ["x86_64"]
  image      = "localhost/none:latest"
}
stage "exec" "x" {
  command = ["true"]
}
`, secrets["executor password"])
	for name, content := range map[string]string{"local.hcl": local, "local.ks": ks, "remote.hcl": remote} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var printed strings.Builder
	run := func(want int, args ...string) {
		t.Helper()
		cmd := imgpipeCmd(args...)
		cmd.Dir = dir
		cmd.Env = append(cmd.Env, "IMGPIPE_STORE="+storeDir)
		out, err := cmd.CombinedOutput()
		printed.WriteString(fmt.Sprintf("$ imgpipe %s\n", args[0])) // the -var value is not printed
		printed.Write(out)
		if got := cmd.ProcessState.ExitCode(); got != want {
			t.Fatalf("imgpipe %s: %v, want exit status %d\n%s", strings.Join(args, " "), err, want, out)
		}
	}
	imgpipe := func(args ...string) { t.Helper(); run(0, args...) }
	deployVar := "deploy_key=" + secrets["sensitive variable"]
	run(1, "run", "--progress", "plain", "--store", storeDir, "-var", deployVar, "bad.hcl")
	imgpipe("report", "--store", storeDir, "--format", "html")
	imgpipe("run", "--progress", "plain", "--store", storeDir, "-var", deployVar, "recipe.hcl")
	imgpipe("run", "--progress", "json", "--store", storeDir, "-var", deployVar, "recipe.hcl") // cached, up to date
	imgpipe("plan", "--json", "--store", storeDir, "-var", deployVar, "recipe.hcl")
	imgpipe("plan", "--store", storeDir, "-var", deployVar, "recipe.hcl")
	imgpipe("graph", "-var", deployVar, "recipe.hcl")
	imgpipe("validate", "-var", deployVar, "recipe.hcl")
	imgpipe("validate", "local.hcl")
	imgpipe("plan", "--json", "--store", storeDir, "remote.hcl")
	run(1, "run", "--progress", "plain", "--store", storeDir, "remote.hcl")
	imgpipe("builds", "--store", storeDir)
	imgpipe("builds", "show", "--store", storeDir, "secrets-1-1")
	imgpipe("builds", "show", "--json", "--store", storeDir, "secrets-1-1")
	for _, format := range []string{"plain", "json", "html"} {
		imgpipe("report", "--store", storeDir, "--format", format)
	}

	// The process had what it needed.
	if fetched.Load() == 0 {
		t.Error("the kickstart server was never asked with the right credentials")
	}
	for file, value := range map[string]string{"key.sha256": secrets["sensitive variable"], "env.sha256": secrets["env PASSWORD"]} {
		got := readObjectFile(t, storeDir, file)
		sum := sha256.Sum256([]byte(value))
		if want := hex.EncodeToString(sum[:]) + "  -\n"; got != want {
			t.Errorf("%s = %q, want %q: the process did not get the secret", file, got, want)
		}
	}

	// What may hold secrets: the kickstart, a build input, in fetch-ks's
	// tree and flatten's outputs, and what the exec process itself wrote
	// into its outputs. Everything else must not.
	allowed := func(rel string) bool {
		if !strings.HasPrefix(rel, "objects/") {
			return false
		}
		switch filepath.Base(rel) {
		case "secret.ks", "secret-original.ks", "install.log":
			return true
		}
		return false
	}
	var published int
	err := filepath.WalkDir(storeDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(storeDir, path)
		if strings.Contains(rel, "/data/kickstarts/") || strings.Contains(rel, "/data/logs/") {
			published++
			if !strings.Contains(string(b), "[sensitive]") {
				t.Errorf("%s: published without the marker:\n%s", rel, b)
			}
		}
		for what, s := range secrets {
			if strings.Contains(string(b), s) && !allowed(rel) {
				t.Errorf("%s holds the %s", rel, what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if published != 3 {
		t.Errorf("%d published kickstarts and logs, want 3", published)
	}
	for what, s := range secrets {
		if strings.Contains(printed.String(), s) {
			t.Errorf("the commands printed the %s", what)
		}
	}
	if t.Failed() {
		t.Logf("what the commands printed:\n%s", printed.String())
	}
	for _, want := range []string{"deploying with key [sensitive] and [sensitive]", `"url": "http://fetcher:[sensitive]@`} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("the commands never printed %q", want)
		}
	}
}

// readObjectFile returns the content of the one file named name in the
// store's objects.
func readObjectFile(t *testing.T, storeDir, name string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(storeDir, "objects", "*", name))
	if len(matches) != 1 {
		t.Fatalf("objects/*/%s: %d matches, want 1", name, len(matches))
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
