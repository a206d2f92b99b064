package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The report and serve tests build a small store with real runs of exec
// and upload stages (no VMs: a VM quickstart takes minutes under TCG), open
// the pages in Debian's headless Chromium driven by chromedp, and check
// what a reader sees.

// xss is recipe-controlled text that must render as text: it is in a log
// line, an error, a kickstart and a package name.
const xss = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">`

// reportStore makes a store with two releases of web-1 (the second with a
// changed package list) and one failed run, and returns the store and the
// IDs of the second succeeded run and the failed one.
func reportStore(t *testing.T) (dir, okRun, failRun string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orig := write("original.ks", "text\nurl --url=http://example.com/os\nrootpw --lock\n%packages\nbash\n%end\n")
	rewritten := write("rewritten.ks", "text\nurl --url=http://mirror.example/os\nrepo --name=koji --baseurl=http://koji.example/repo\nrootpw --lock\n%packages\nbash\n# "+xss+"\n%end\n")
	write("web.hcl", fmt.Sprintf(`
variable "bash_version" {
  default = "5.2"
}
build {
  name    = "web"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}
stage "exec" "kickstart" {
  inputs  = ["original.ks", "rewritten.ks"]
  command = ["sh", "-c", "cp %s %s \"$IMGPIPE_OUT\"/ && echo copied kickstarts"]
  outputs = ["original.ks", "rewritten.ks"]
}
stage "exec" "disk" {
  env     = { ARCH = arch, BASH = var.bash_version, XSS = %q }
  command = ["sh", "-c", <<-EOT
    printf 'disk for %%s\n' "$ARCH" >"$IMGPIPE_OUT/disk.raw"
    echo "log line: $XSS"
    printf '[{"name":"bash","version":"%%s","release":"1.fc41","arch":"%%s","epoch":null,"size":1,"payloadhash":"00","buildtime":1},{"name":"glibc","version":"2.40","release":"1.fc41","arch":"%%s","epoch":null,"size":2,"payloadhash":"11","buildtime":2}]' "$BASH" "$ARCH" "$ARCH" >"$IMGPIPE_OUT/packages.json"
    EOT
  , stage.kickstart["rewritten.ks"]]
  outputs = ["disk.raw", "packages.json"]
}
stage "upload" "publish" {
  artifacts  = { raw = stage.disk["disk.raw"] }
  kickstarts = [stage.kickstart["original.ks"], stage.kickstart["rewritten.ks"]]
  packages   = stage.disk["packages.json"]
}
`, orig, rewritten, xss))
	write("fail.hcl", fmt.Sprintf(`
build {
  name    = "broken"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "prepare" {
  command = ["sh", "-c", "echo ready >\"$IMGPIPE_OUT/ready\""]
  outputs = ["ready"]
}
stage "exec" "install" {
  env     = { XSS = %q }
  command = ["sh", "-c", "echo \"installing $XSS\"; echo \"anaconda: $XSS\" >&2; exit 3", stage.prepare.ready]
}
stage "exec" "after" {
  command    = ["true"]
  depends_on = [stage.install]
}
`, xss))
	storeDir := filepath.Join(dir, "store")
	imgpipe := func(wantOK bool, args ...string) string {
		cmd := imgpipeCmd(append([]string{"run", "--progress", "plain", "--store", storeDir}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("imgpipe run %v: %v\n%s", args, err, out)
		}
		return newestRun(t, storeDir)
	}
	imgpipe(true, "web.hcl")
	okRun = imgpipe(true, "-var", "bash_version=5.3", "web.hcl")
	failRun = imgpipe(false, "fail.hcl")
	// What guest-install leaves for a failed install: its screen and its
	// console (stages/guestinstall); an exec stage has neither.
	failDir := filepath.Join(storeDir, "runs", failRun, "x86_64", "install")
	writeTestPNG(t, filepath.Join(failDir, "screenshot.png"))
	if err := os.WriteFile(filepath.Join(failDir, "install-console.log"), []byte("anaconda started\n"+xss+"\nkernel panic\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return storeDir, okRun, failRun
}

func newestRun(t *testing.T, storeDir string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(storeDir, "runs"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no runs in %s: %v", storeDir, err)
	}
	return entries[len(entries)-1].Name()
}

// writeTestPNG writes a screen-like image: a dark console with light text
// rows.
func writeTestPNG(t *testing.T, path string) {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := range 200 {
		for x := range 320 {
			c := color.RGBA{10, 10, 30, 255}
			if y%16 < 9 && x < 20+(y*7)%280 {
				c = color.RGBA{200, 200, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// browser starts headless Chromium and collects what the pages write to
// the console.
type browser struct {
	ctx context.Context
	mu  sync.Mutex
	msg []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("no chromium (scripts/install-deps installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	b := &browser{ctx: bctx}
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.msg = append(b.msg, m.String())
			b.mu.Unlock()
		}
	}()
	return b
}

// open loads a page and fails on any console error or exception it caused.
func (b *browser) open(t *testing.T, u string) {
	t.Helper()
	b.mu.Lock()
	b.msg = nil
	b.mu.Unlock()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	// The console's messages come as events: a round trip after the load
	// has them delivered.
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`true`)); err != nil {
		t.Fatal(err)
	}
	b.checkConsole(t, u)
}

func (b *browser) checkConsole(t *testing.T, u string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msg {
		if strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") || strings.HasPrefix(m, "warning") {
			t.Errorf("%s: console: %s", u, m)
		}
	}
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// checkPage checks what every page must be: recipe text shown as text,
// every link resolving, and no script but the page's own.
func checkPage(t *testing.T, b *browser, u string) {
	t.Helper()
	if eval[bool](t, b, `window.__pwned !== undefined`) {
		t.Errorf("%s: recipe-controlled markup ran", u)
	}
	if n := eval[int](t, b, `document.querySelectorAll('script').length`); n > 1 {
		t.Errorf("%s: %d scripts, want at most the page's own", u, n)
	}
	hrefs := eval[[]string](t, b, `Array.from(document.querySelectorAll('a[href]'), a => new URL(a.getAttribute('href'), document.baseURI).href)`)
	if len(hrefs) == 0 {
		t.Errorf("%s: no links", u)
	}
	page, _ := url.Parse(u)
	for _, h := range hrefs {
		l, err := url.Parse(h)
		if err != nil {
			t.Errorf("%s: link %q: %v", u, h, err)
			continue
		}
		frag := l.Fragment
		l.Fragment = ""
		if l.String() == (&url.URL{Scheme: page.Scheme, Host: page.Host, Path: page.Path}).String() && frag != "" {
			if !eval[bool](t, b, fmt.Sprintf(`document.getElementById(%q) !== null`, frag)) {
				t.Errorf("%s: link %q: no element with id %q", u, h, frag)
			}
			continue
		}
		switch l.Scheme {
		case "file":
			if _, err := os.Stat(l.Path); err != nil {
				t.Errorf("%s: link %q: %v", u, h, err)
			}
		case "http":
			resp, err := http.Get(l.String())
			if err != nil {
				t.Errorf("%s: link %q: %v", u, h, err)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: link %q: %s", u, h, resp.Status)
			}
		default:
			t.Errorf("%s: link %q: unexpected scheme", u, h)
		}
	}
}

// checkRunPage checks a run's page against its report.json: a timeline
// row and a graph node per stage, in graph order.
func checkRunPage(t *testing.T, b *browser, storeDir, run, wantStatus string) {
	t.Helper()
	var rep struct {
		Stages []struct{ Stage, Arch string } `json:"stages"`
	}
	raw, err := os.ReadFile(filepath.Join(storeDir, "runs", run, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	rows := eval[[]string](t, b, `Array.from(document.querySelectorAll('table.timeline tr.stage-row td:nth-child(2)'), td => td.textContent)`)
	if len(rows) != len(rep.Stages) {
		t.Errorf("timeline rows %q, want one per stage of %v", rows, rep.Stages)
	}
	for _, s := range rep.Stages {
		found := false
		for _, r := range rows {
			found = found || r == s.Stage+" ["+s.Arch+"]"
		}
		if !found {
			t.Errorf("no timeline row for %s [%s] in %q", s.Stage, s.Arch, rows)
		}
	}
	if n := eval[int](t, b, `document.querySelectorAll('svg.graph rect.node').length`); n != len(rep.Stages) {
		t.Errorf("graph has %d nodes, want %d", n, len(rep.Stages))
	}
	evs, err := os.ReadFile(filepath.Join(storeDir, "runs", run, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	edges := 0
	for line := range strings.Lines(string(evs)) {
		var ev struct {
			Type  string   `json:"type"`
			Needs []string `json:"needs"`
		}
		json.Unmarshal([]byte(line), &ev)
		if ev.Type == "stage.queued" {
			edges += len(ev.Needs)
		}
	}
	if n := eval[int](t, b, `document.querySelectorAll('svg.graph path.edge').length`); n != edges || edges == 0 {
		t.Errorf("graph has %d edges, want the %d the events name", n, edges)
	}
	if status := eval[string](t, b, `document.getElementById('status').textContent`); !strings.HasPrefix(status, wantStatus) || strings.Count(status, "failed") > 2 || strings.Contains(status, "build failed") {
		t.Errorf("status %q, want %s said once", status, wantStatus)
	}
}

// checkScreenshot takes a full-page screenshot, writes it where the test's
// artifacts go, and checks it is a real picture.
func checkScreenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("IMGPIPE_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	r := img.Bounds()
	if len(shot) < 20<<10 || r.Dx() < 800 || r.Dy() < 600 {
		t.Errorf("%s: %d bytes, %dx%d: too small for a report", path, len(shot), r.Dx(), r.Dy())
	}
	colours := map[color.RGBA]bool{}
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			colours[color.RGBA{uint8(cr >> 8), uint8(cg >> 8), uint8(cb >> 8), uint8(ca >> 8)}] = true
		}
	}
	if len(colours) < 16 {
		t.Errorf("%s: %d colours: a blank page", path, len(colours))
	}
	t.Logf("screenshot %s: %dx%d, %d bytes, %d colours", path, r.Dx(), r.Dy(), len(shot), len(colours))
}

// TestReportHTMLInChromium opens `imgpipe report --format html` of a
// succeeded and a failed run as files.
func TestReportHTMLInChromium(t *testing.T) {
	storeDir, okRun, failRun := reportStore(t)
	b := newBrowser(t)
	for _, c := range []struct{ run, status string }{{okRun, "succeeded"}, {failRun, "failed"}} {
		out := filepath.Join(t.TempDir(), "report.html")
		cmd := imgpipeCmd("report", "--store", storeDir, "--format", "html", "-o", out, c.run)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("report: %v\n%s", err, b)
		}
		u := (&url.URL{Scheme: "file", Path: out}).String()
		b.open(t, u)
		checkPage(t, b, u)
		checkRunPage(t, b, storeDir, c.run, c.status)
		text := eval[string](t, b, `document.querySelector('main').textContent`)
		if !strings.Contains(text, xss) {
			t.Errorf("%s: the recipe's text %q is not shown as text", c.status, xss)
		}
		switch c.status {
		case "succeeded":
			for _, want := range []string{"web-1-2", "images/web-1-2.x86_64.raw", "bash.x86_64 5.2-1.fc41 → bash.x86_64 5.3-1.fc41", "against web-1-1: 0 added, 0 removed, 1 changed, 1 unchanged"} {
				if !strings.Contains(text, want) {
					t.Errorf("the succeeded run's page lacks %q", want)
				}
			}
			// The kickstart's rewritten lines are marked as changed.
			if n := eval[int](t, b, `document.querySelectorAll('table.diff tr.changed, table.diff tr.added').length`); n < 2 {
				t.Errorf("kickstart diff marks %d rows, want the rewrite's", n)
			}
		case "failed":
			if n := eval[int](t, b, `Array.from(document.querySelectorAll('figure img')).filter(i => i.complete && i.naturalWidth === 320).length`); n != 1 {
				t.Errorf("the failed install's screenshot: %d shown", n)
			}
			if !strings.Contains(eval[string](t, b, `document.querySelector('details.console pre').textContent`), "kernel panic") {
				t.Error("the failed install's console is not shown")
			}
			if !eval[bool](t, b, `document.querySelector('details.stage[id="stage-2"]').open`) {
				t.Error("the failed stage's log is not open")
			}
		}
		// The log search, the page's one script: it keeps matching lines.
		if err := chromedp.Do(b.ctx, chromedp.SendKeys(`#search`, "installing")); err != nil {
			t.Fatal(err)
		}
		if n := eval[int](t, b, `document.querySelectorAll('pre.log .line.hit').length`); (n > 0) != (c.status == "failed") {
			t.Errorf("%s: search found %d lines", c.status, n)
		}
		if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`(s => { s.value = ''; s.dispatchEvent(new Event('input')) })(document.getElementById('search'))`)); err != nil {
			t.Fatal(err)
		}
		checkScreenshot(t, b, "report-"+c.status+".png")
		b.checkConsole(t, u)
	}
}

// TestReportHTMLWithoutJavaScript: the static report reads without
// scripts: every section is there, the failed stage open, and the search
// box, which needs the script, is not shown.
func TestReportHTMLWithoutJavaScript(t *testing.T) {
	storeDir, _, failRun := reportStore(t)
	b := newBrowser(t)
	out := filepath.Join(t.TempDir(), "report.html")
	if o, err := imgpipeCmd("report", "--store", storeDir, "--format", "html", "-o", out, failRun).CombinedOutput(); err != nil {
		t.Fatalf("report: %v\n%s", err, o)
	}
	if err := chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: out}).String()
	b.open(t, u)
	checkRunPage(t, b, storeDir, failRun, "failed")
	if eval[bool](t, b, `document.querySelector('p.search').checkVisibility()`) {
		t.Error("the search box shows without the script that makes it work")
	}
	if !eval[bool](t, b, `document.querySelector('details.stage[id="stage-2"]').open`) {
		t.Error("the failed stage's log is not open")
	}
}

// startServe runs `imgpipe serve` on a free loopback port and returns its
// base URL.
func startServe(t *testing.T, storeDir string, args ...string) string {
	t.Helper()
	cmd := imgpipeCmd(append([]string{"serve", "--store", storeDir}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed %q: %v", line, err)
	}
	m := regexp.MustCompile(`on (http://\S+)/ `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve printed %q, no URL", line)
	}
	go io.Copy(io.Discard, stdout)
	return m[1]
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeInChromium serves the store and opens its pages, and checks
// that nothing outside the store is served.
func TestServeInChromium(t *testing.T) {
	storeDir, okRun, failRun := reportStore(t)
	base := startServe(t, storeDir, "--listen", "127.0.0.1:0")
	b := newBrowser(t)
	b.open(t, base+"/")
	checkPage(t, b, base+"/")
	for _, c := range []struct{ run, status string }{{okRun, "succeeded"}, {failRun, "failed"}} {
		u := base + "/runs/" + c.run + "/"
		b.open(t, u)
		checkPage(t, b, u)
		checkRunPage(t, b, storeDir, c.run, c.status)
	}
	b.open(t, base+"/builds/web-1-2/")
	checkPage(t, b, base+"/builds/web-1-2/")

	// Nothing outside the store: not by `..`, escaped or not, nor by a
	// symlink that leads out.
	if err := os.Symlink("/etc", filepath.Join(storeDir, "runs", "out")); err != nil {
		t.Fatal(err)
	}
	// Nor what the pages never show: objects (a kickstart with its
	// passwords is a build input there), keys/, tmp/.
	for _, p := range []string{"/files/../../../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd", "/files/runs/..%2f..%2f..%2fetc/passwd", "/runs/..%2f..%2fetc/", "/files/runs/out/passwd", "/files/runs/out/", "/builds/..%2f..%2f/", "/files/objects/", "/files/tmp/", "/files/keys/"} {
		req, _ := http.NewRequest("GET", base+"/", nil)
		req.URL.Opaque = "//" + req.URL.Host + p // the path as written, not cleaned by the client
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "root:") {
			t.Errorf("GET %s: %s, want 404", p, resp.Status)
		}
	}
	// A log the recipe controls is text, never a page of the server.
	code, _ := get(t, base+"/files/runs/"+failRun+"/x86_64/install/log")
	resp, err := http.Get(base + "/files/runs/" + failRun + "/x86_64/install/log")
	if err != nil || code != 200 {
		t.Fatalf("the failed stage's log: %d %v", code, err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("a log is served as %q", ct)
	}
	// Read-only.
	resp, err = http.Post(base+"/files/runs/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s", resp.Status)
	}
}

// TestServeDefaultsToLoopback: without --listen, serve listens on
// loopback only. (The port itself is not bound here: other tests' servers
// may hold it.)
func TestServeDefaultsToLoopback(t *testing.T) {
	out, _ := imgpipeCmd("serve", "-h").CombinedOutput()
	if !strings.Contains(string(out), `(default "127.0.0.1:8080")`) {
		t.Errorf("serve -h:\n%s\nwant --listen's default 127.0.0.1:8080", out)
	}
}

// TestServeLiveRun opens a run's page while the run waits on a FIFO the
// test holds, then lets the run finish: the page follows its events
// without being reloaded.
func TestServeLiveRun(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "go")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	recipe := filepath.Join(dir, "live.hcl")
	os.WriteFile(recipe, []byte(fmt.Sprintf(`
build {
  name    = "live"
  version = "1"
  arches  = ["x86_64"]
}
stage "exec" "wait" {
  command = ["sh", "-c", "echo waiting for the test; read word <%s; echo got $word"]
}
stage "exec" "after" {
  command    = ["echo", "after"]
  depends_on = [stage.wait]
}
`, fifo)), 0o644)
	storeDir := filepath.Join(dir, "store")
	run := imgpipeCmd("run", "--progress", "plain", "--store", storeDir, recipe)
	var runOut bytes.Buffer
	run.Stdout, run.Stderr = &runOut, &runOut
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			run.Process.Kill()
		}
		run.Wait()
	}()
	// The run's record exists once its stage waits: poll the file, not a
	// clock.
	var runID string
	deadline := time.Now().Add(time.Minute)
	for runID == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the run never started its stage:\n%s", runOut.String())
		}
		entries, _ := os.ReadDir(filepath.Join(storeDir, "runs"))
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(storeDir, "runs", e.Name(), "events.jsonl"))
			if bytes.Contains(b, []byte("waiting for the test")) {
				runID = e.Name()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	base := startServe(t, storeDir, "--listen", "127.0.0.1:0")
	b := newBrowser(t)
	u := base + "/runs/" + runID + "/"
	b.open(t, u)
	if s := eval[string](t, b, `document.getElementById('status').textContent`); s != "running" {
		t.Fatalf("a live run's status: %q", s)
	}
	// The events already written arrive over the stream.
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.getElementById('live').textContent.includes('waiting for the test')`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the live page shows no events: %v", err)
	}
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "go")
	f.Close()
	released = true
	if err := run.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, runOut.String())
	}
	// The page, not reloaded, follows: the status and the next stage's
	// row change as the events arrive.
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.getElementById('status').textContent === 'succeeded' && document.querySelectorAll('tr.stage-row[data-status="done"]').length === 2 && document.getElementById('live').textContent.includes('run.finished')`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the live page did not follow the run: %v; status %q", err, eval[string](t, b, `document.getElementById('status').textContent`))
	}
	b.checkConsole(t, u)
	checkPage(t, b, u)
}
