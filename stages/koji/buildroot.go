package koji

import (
	"fmt"
	"path"
	"strings"

	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/shquote"
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
// LoraxTemplates as Koji checks it out into the build root. o.Release is
// unused: the release is the run's, in $IMGPIPE_RELEASE (the chroot
// stage's uses_release), and so are the volume ID and the ISO name. The
// ISO goes to $IMGPIPE_OUT/iso/ under the name Koji publishes it as:
// N-arch-V-R.iso, or with livecd spin-livecd's N-V-R.iso.
func livemediaScript(o LivemediaOptions, livecd bool) string {
	var b strings.Builder
	b.WriteString(enterTmpdir)
	b.WriteString(releaseFromEnv)
	if o.Volid != "" {
		b.WriteString("volid=" + shquote.Quote(o.Volid) + "\n")
	} else {
		// kojid _shortenVolID: each of N, V and R shortened, joined, cut
		// to 32 characters; R's substitutions apply at run time. The cut
		// counts characters, as Python does: N-V- is cut here, in Go;
		// the release, cut by printf's precision in bytes, is ASCII
		// (kojihub refuses other releases).
		prefix := []rune(kojifacts.ShortenVolIDPart(o.Name) + "-" + kojifacts.ShortenVolIDPart(o.Version) + "-")
		if len(prefix) >= kojifacts.MaxVolIDChars {
			b.WriteString("volid=" + shquote.Quote(string(prefix[:kojifacts.MaxVolIDChars])) + "\n")
		} else {
			b.WriteString(`volid=$(printf '%s' "$release" | sed` + volIDSedArgs() + ") || exit 1\n")
			b.WriteString(fmt.Sprintf(`volid=%s$(printf '%%.%ds' "$volid")`, shquote.Quote(string(prefix)), kojifacts.MaxVolIDChars-len(prefix)) + "\n")
		}
	}
	b.WriteString("iso=" + withRelease(o.Name+"-"+o.Arch+"-"+o.Version+"-", ".iso") + "\n")
	published := `"$iso"`
	if livecd {
		b.WriteString("livecd_iso=" + withRelease(o.Name+"-"+o.Version+"-", ".iso") + "\n")
		published = `"$livecd_iso"`
	}
	if o.LoraxTemplates != "" {
		b.WriteString("mkdir -p " + shquote.Quote(o.LoraxTemplates) + " && cp -R \"$lorax/.\" " + shquote.Quote(o.LoraxTemplates) + " || exit 1\n")
	}
	// bootloader --append becomes --extra-boot-args (Koji's
	// getBootloaderAppend). The kickstart is flatten's rendering, which
	// always writes --append="value" (pykickstart's form).
	b.WriteString(`append=$(sed -n 's/^bootloader .*--append="\([^"]*\)".*/\1/p' ` + KickstartPath + ")\n")
	b.WriteString(`if [ -n "$append" ]; then set -- --extra-boot-args "\"$append\""; else set --; fi` + "\n")
	b.WriteString(joinShell(livemediaHead(o, shellVarArg("volid"), shellVarArg("iso"))) + ` "$@"`)
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
mkdir -p "$IMGPIPE_OUT/iso" || exit 1
`)
	b.WriteString(`mv "$1" "$IMGPIPE_OUT/iso/"` + published + " || exit 1\n")
	return b.String()
}

// applianceScript is the appliance chroot script after the prologue ($ks).
// o.Release is unused: the release is the run's, in $IMGPIPE_RELEASE. Koji
// uploads every file below app-output under its base name
// (kojid ApplianceTask.handler walks it: appliance-creator writes
// app-output/<name>/); the script moves the libvirt descriptions to
// $IMGPIPE_OUT/xml/ and the disks to $IMGPIPE_OUT/disk/.
func applianceScript(o ApplianceOptions) string {
	var b strings.Builder
	b.WriteString(enterTmpdir)
	b.WriteString(releaseFromEnv)
	b.WriteString("nvr=" + withRelease(o.Name+"-"+o.Version+"-", "") + "\n")
	b.WriteString("mkdir -p app-output || exit 1\n") // kojid: os.mkdir(opath)
	b.WriteString(joinShell(applianceArgv(o, shellVarArg("nvr"), shellVarArg("release"))))
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
if [ -z "$(find app-output -type f)" ]; then echo "Could not find image build results!" >&2; exit 1; fi
mkdir -p "$IMGPIPE_OUT/disk" "$IMGPIPE_OUT/xml" || exit 1
find app-output -type f | while IFS= read -r f; do
  case $f in *.xml) d=xml ;; *) d=disk ;; esac
  mv "$f" "$IMGPIPE_OUT/$d/" || exit 1
done || exit 1
`)
	return b.String()
}

// releaseFromEnv sets $release to the build's release, which the chroot
// stage gives in IMGPIPE_RELEASE once the run has settled it.
const releaseFromEnv = `release=$IMGPIPE_RELEASE
if [ -z "$release" ]; then echo "IMGPIPE_RELEASE is not set: the chroot stage needs uses_release = true" >&2; exit 1; fi
`

// withRelease is the shell word prefix, then $release, then suffix.
func withRelease(prefix, suffix string) string {
	w := shquote.Quote(prefix) + `"$release"`
	if suffix != "" {
		w += shquote.Quote(suffix)
	}
	return w
}

// shellVarArg stands in an argv for the shell variable name: joinShell
// writes it as "$name".
func shellVarArg(name string) string { return "\x00" + name }

// joinShell quotes argv for sh, writing shellVarArg arguments as the
// variables they name.
func joinShell(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		if v, ok := strings.CutPrefix(a, "\x00"); ok {
			words[i] = `"$` + v + `"`
		} else {
			words[i] = shquote.Quote(a)
		}
	}
	return strings.Join(words, " ")
}

// volIDSedArgs are sed's -e arguments applying Koji's volume ID
// substitutions in Koji's order.
func volIDSedArgs() string {
	var b strings.Builder
	for _, kv := range kojifacts.VolIDSubstitutions() {
		b.WriteString(" -e " + shquote.Quote("s/"+sedEscape(kv[0])+"/"+sedEscape(kv[1])+"/g"))
	}
	return b.String()
}

// sedEscape escapes s for either side of a sed s command.
func sedEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\/.*[]^$&`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
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
