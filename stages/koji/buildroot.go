package koji

import (
	"github.com/imgpipe/imgpipe/internal/shquote"
	"path"
	"strings"
)

// The chroot stages of the livemedia and appliance presets run one shell
// script each in the build root, doing what kojid's LiveMediaTask and
// ApplianceTask do around the tool (docs/koji-behaviour.md#livemedia, #appliance): put the rewritten
// kickstart (and lorax templates) into ChrootTmpdir, run the tool there
// with Koji's exact argv, collect its logs and the build root's package
// log under Koji's names, and hand over the results Koji would upload.
//
// The scripts run with POSIX sh (a Fedora build root's bash, or busybox):
// no set -e, whose effect on loops differs between shells; each step checks
// its own status.

// livemediaScript is the livemedia chroot script after the prologue, for
// one arch. The prologue sets $ks to the rewritten kickstart and, with
// LoraxTemplates set, $lorax to the lorax_url checkout, which is copied to
// LoraxTemplates as Koji checks it out into the build root.
func livemediaScript(o LivemediaOptions) string {
	var b strings.Builder
	b.WriteString(enterTmpdir)
	if o.LoraxTemplates != "" {
		b.WriteString("mkdir -p " + shquote.Quote(o.LoraxTemplates) + " && cp -R \"$lorax/.\" " + shquote.Quote(o.LoraxTemplates) + " || exit 1\n")
	}
	// bootloader --append becomes --extra-boot-args (Koji's
	// getBootloaderAppend). The kickstart is flatten's rendering, which
	// always writes --append="value" (pykickstart's form).
	b.WriteString(`append=$(sed -n 's/^bootloader .*--append="\([^"]*\)".*/\1/p' ` + KickstartPath + ")\n")
	b.WriteString(`if [ -n "$append" ]; then set -- --extra-boot-args "\"$append\""; else set --; fi` + "\n")
	b.WriteString(shquote.Join(livemediaHead(o)) + ` "$@"`)
	if tail := livemediaTail(o); len(tail) > 0 {
		b.WriteString(" " + shquote.Join(tail))
	}
	b.WriteString("\nstatus=$?\n")
	// Koji uploads every non-empty log of lmc-logs, the anaconda logs as
	// anaconda-<name>.log, and the build root's dnf logs.
	b.WriteString(`mkdir -p "$IMGPIPE_OUT/logs" || exit 1
for f in lmc-logs/*.log; do if [ -s "$f" ]; then cp "$f" "$IMGPIPE_OUT/logs/" || exit 1; fi; done
for f in lmc-logs/anaconda/*.log; do if [ -s "$f" ]; then cp "$f" "$IMGPIPE_OUT/logs/anaconda-${f##*/}" || exit 1; fi; done
`)
	b.WriteString(collectPackageLogs)
	b.WriteString(`if [ "$status" -ne 0 ]; then
  echo "livemedia-creator failed (exit $status); the end of livemedia-out.log:" >&2
  tail -n 40 lmc-logs/livemedia-out.log >&2
  exit "$status"
fi
set -- lmc/*.iso
if [ "$#" -ne 1 ]; then echo "multiple .iso files found in lmc: $*" >&2; exit 1; fi
if [ ! -f "$1" ]; then echo "could not find iso file in lmc" >&2; exit 1; fi
`)
	b.WriteString(`mv "$1" "$IMGPIPE_OUT/"` + shquote.Quote(ISOName(o.Name, o.Arch, o.Version, o.Release)) + "\n")
	return b.String()
}

// applianceScript is the appliance chroot script after the prologue ($ks).
func applianceScript(o ApplianceOptions) string {
	var b strings.Builder
	b.WriteString(enterTmpdir)
	b.WriteString(shquote.Join(ApplianceArgv(o)))
	b.WriteString("\nstatus=$?\n")
	b.WriteString(`mkdir -p "$IMGPIPE_OUT/logs" || exit 1
if [ -s appliance.log ]; then cp appliance.log "$IMGPIPE_OUT/logs/" || exit 1; fi
`)
	b.WriteString(collectPackageLogs)
	b.WriteString(`if [ "$status" -ne 0 ]; then
  echo "appliance-creator failed (exit $status); the end of appliance.log:" >&2
  tail -n 40 appliance.log >&2
  exit "$status"
fi
if [ -z "$(ls -A app-output 2>/dev/null)" ]; then echo "Could not find image build results!" >&2; exit 1; fi
mv app-output "$IMGPIPE_OUT/app-output" || exit 1
`)
	return b.String()
}

// enterTmpdir makes ChrootTmpdir, enters it and puts the kickstart in
// place.
const enterTmpdir = "mkdir -p " + ChrootTmpdir + " && cd " + ChrootTmpdir + " || exit 1\n" +
	"cp \"$ks\" " + KickstartPath + " || exit 1\n"

// collectPackageLogs copies the build root's package manager logs (mock's
// dnf logs in Koji's buildroot logs).
const collectPackageLogs = `for f in /var/log/dnf*.log /var/log/yum.log; do if [ -s "$f" ]; then cp "$f" "$IMGPIPE_OUT/logs/" || exit 1; fi; done
`

// scmCheckout is where Koji's SCM checkout of url lands below dir:
// <dir>/<repository base name without .git>/<module> (docs/koji-behaviour.md#scm-checkouts). ok
// is false when url is not a Koji SCM URL.
func scmCheckout(dir, url string) (string, bool) {
	u, _, _ := strings.Cut(url, "#")
	repo, module, _ := strings.Cut(u, "?")
	repo = strings.TrimRight(repo, "/")
	i := strings.LastIndex(repo, "/")
	if i < 0 || !strings.Contains(repo, "://") {
		return "", false
	}
	name := strings.TrimSuffix(repo[i+1:], ".git")
	if name == "" {
		return "", false
	}
	return path.Join(dir, name, module), true
}
