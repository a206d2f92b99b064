package guestinstall

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/imgpipe/imgpipe/internal/qemu"
	"github.com/imgpipe/imgpipe/internal/secret"
)

// onErrorScript is the %onerror section guest-install adds to the
// kickstart copy it boots: when the install fails, Anaconda (and the
// fixture installer) runs it, and it prints the installer's logs to the
// serial console between markers. The stage saves each log beside the
// console log and quotes its error lines; the last marker ends the install
// at once as failed.
const onErrorScript = `
%onerror
# Added by imgpipe's guest-install: the installer's logs on the serial console.
{
for f in /tmp/anaconda.log /tmp/program.log /tmp/packaging.log /tmp/storage.log; do
	if [ -f "$f" ]; then
		echo "==== imgpipe-log-begin $f ===="
		tail -n 1000 "$f"
		echo "==== imgpipe-log-end $f ===="
	fi
done
echo "==== imgpipe-logs-done ===="
} >/dev/console 2>&1
%end
`

var (
	logBegin = regexp.MustCompile(`^==== imgpipe-log-begin (/\S+) ====$`)
	logEnd   = regexp.MustCompile(`^==== imgpipe-log-end (/\S+) ====$`)
	// logsDone is the %onerror script's last line.
	logsDone = regexp.MustCompile(`^==== imgpipe-logs-done ====$`)
	// errorLine is a log line worth quoting: Anaconda's levels ERR and
	// CRIT, a Python traceback.
	errorLine = regexp.MustCompile(`\b(ERR|ERROR|CRIT|CRITICAL)\b|^Traceback`)
)

// installerLog is one installer log printed on the console.
type installerLog struct {
	name  string // anaconda.log
	lines []string
}

// splitConsole separates the installer's logs, as the %onerror script
// printed them, from the rest of the console.
func splitConsole(lines []string) (console []string, logs []installerLog) {
	var cur *installerLog
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && logBegin.MatchString(trimmed):
			cur = &installerLog{name: filepath.Base(logBegin.FindStringSubmatch(trimmed)[1])}
		case cur != nil && logEnd.MatchString(trimmed):
			logs = append(logs, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		case logsDone.MatchString(trimmed):
		default:
			console = append(console, l)
		}
	}
	if cur != nil { // cut off: keep what came
		logs = append(logs, *cur)
	}
	return console, logs
}

// maxQuoted bounds the lines quoted from one log.
const maxQuoted = 8

// errorExcerpt is what matters in a log: from two lines before its first
// error line to its last one, at most maxQuoted lines (the last ones).
func errorExcerpt(lines []string) []string {
	first, last := -1, -1
	for i, l := range lines {
		if errorLine.MatchString(l) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	from := max(first-2, 0, last+1-maxQuoted)
	return lines[from : last+1]
}

// saveLogs writes each installer log into dir, with the run's secrets
// masked, and returns them as the failure's evidence.
func saveLogs(dir string, logs []installerLog, secrets *secret.Set) ([]qemu.Evidence, error) {
	var out []qemu.Evidence
	for _, l := range logs {
		p := filepath.Join(dir, l.name)
		if err := os.WriteFile(p, []byte(secrets.Mask(strings.Join(l.lines, "\n")+"\n")), 0o644); err != nil {
			return out, fmt.Errorf("keep the installer's %s: %w", l.name, err)
		}
		out = append(out, qemu.Evidence{Path: p, Quote: errorExcerpt(l.lines)})
	}
	return out, nil
}
