package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The ks commands print no secret of the kickstart they read or fetch in
// their diagnostics, findings and progress (docs/reliability-secrets.md):
// the passwords of rootpw, sshpw, user and bootloader and a URL's
// credentials are masked wherever a line is quoted; ks flatten still
// prints the kickstart itself as it is, since that is what it was asked
// for.
func TestKsCommandsMaskSecrets(t *testing.T) {
	secrets := map[string]string{
		"rootpw":                "rootpw-k81d2",
		"sshpw":                 "sshpw-k5e03",
		"user --password":       "userpw-k0c94",
		"bootloader --password": "bootpw-k7a16",
		"url password":          "urlpw-k2f58",
		"url token":             "urltoken-k9b37",
		"fetch password":        "fetchpw-k4d71",
		"fetch token":           "fetchtoken-k6e29",
	}
	ks := fmt.Sprintf(`lang en_US.UTF-8
rootpw %s
sshpw --username=install %s
user --name=alice --password=%s
bootloader --password=%s
url --url=https://mirror:%s@mirror.example/os?token=%s
reboot
%%packages
@core
%%end
`, secrets["rootpw"], secrets["sshpw"], secrets["user --password"], secrets["bootloader --password"], secrets["url password"], secrets["url token"])
	// The same with a mistake on the rootpw line: flatten refuses it and
	// quotes the line.
	bad := strings.Replace(ks, "rootpw ", "rootpw --nosuchoption ", 1)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "fetcher" || pass != secrets["fetch password"] || r.URL.Query().Get("token") != secrets["fetch token"] {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT")
		fmt.Fprint(w, ks)
	}))
	defer srv.Close()
	fetchURL := strings.Replace(srv.URL, "http://", "http://fetcher:"+secrets["fetch password"]+"@", 1) +
		"/server.ks?token=" + secrets["fetch token"]

	dir := t.TempDir()
	for name, content := range map[string]string{"good.ks": ks, "bad.ks": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(want int, args ...string) (stdout, stderr string) {
		t.Helper()
		cmd := imgpipeCmd(args...)
		cmd.Dir = dir
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if got := cmd.ProcessState.ExitCode(); got != want {
			t.Fatalf("imgpipe %s: %v, want exit status %d\n%s%s", strings.Join(args, " "), err, want, out.String(), errOut.String())
		}
		return out.String(), errOut.String()
	}
	var shown strings.Builder
	show := func(stdout, stderr string) {
		shown.WriteString(stdout)
		shown.WriteString(stderr)
	}

	// ks lint warns about the plain-text passwords and the url line,
	// quoting each: the quotes hold the marker.
	out, errOut := run(0, "ks", "lint", "--for", "image-build", "good.ks")
	show(out, errOut)
	for _, want := range []string{"rootpw [sensitive]", "user --name=alice --password=[sensitive]", "https://mirror:[sensitive]@mirror.example/os?token=[sensitive]"} {
		if !strings.Contains(out, want) {
			t.Errorf("ks lint does not quote %q:\n%s", want, out)
		}
	}
	show(run(2, "ks", "lint", "--for", "image-build", "bad.ks"))
	show(run(2, "ks", "lint", "--json", "bad.ks"))
	// ks flatten refuses bad.ks, quoting its rootpw line.
	_, errOut = run(2, "ks", "flatten", "bad.ks")
	show("", errOut)
	if !strings.Contains(errOut, "rootpw --nosuchoption [sensitive]") {
		t.Errorf("ks flatten does not quote the rootpw line masked:\n%s", errOut)
	}
	// ks fetch warns that the URL is not pinned, and says what it
	// downloads: the URL's credentials are masked.
	_, errOut = run(0, "ks", "fetch", "-o", "fetched", fetchURL)
	show("", errOut)
	if !strings.Contains(errOut, "downloading http://fetcher:[sensitive]@") || !strings.Contains(errOut, "has no checksum") {
		t.Errorf("ks fetch's progress and warning are not what this test expects:\n%s", errOut)
	}
	for name, v := range secrets {
		if strings.Contains(shown.String(), v) {
			t.Errorf("the %s %q was printed:\n%s", name, v, shown.String())
		}
	}

	// What ks flatten prints, and what ks fetch wrote, is the kickstart
	// itself, passwords included: that is what was asked for.
	out, errOut = run(0, "ks", "flatten", "-q", "good.ks")
	if !strings.Contains(out, secrets["rootpw"]) || strings.Contains(errOut, secrets["rootpw"]) {
		t.Errorf("ks flatten does not print the kickstart as it is on stdout only:\n%s\n%s", out, errOut)
	}
	got, err := os.ReadFile(filepath.Join(dir, "fetched", "server.ks"))
	if err != nil || string(got) != ks {
		t.Errorf("ks fetch wrote %q (%v), want the kickstart as served", got, err)
	}
}
