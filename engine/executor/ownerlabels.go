package executor

import (
	"os"
	"strconv"
	"strings"
)

// Labels that name the imgpipe process which made something that outlives
// it unless it cleans up (a podman container): its pid and start time, the
// boot they belong to and the pid namespace the pid is in. A sweep judges
// only what its own boot and pid namespace made (another machine or
// container sharing the service has pids of its own).
const (
	LabelOwnerPID   = "io.imgpipe.pid"
	LabelOwnerStart = "io.imgpipe.start"
	LabelOwnerBoot  = "io.imgpipe.boot"
	LabelOwnerPIDNS = "io.imgpipe.pidns"
)

// OwnerLabels returns the labels (LabelOwnerPID...) that name this
// process. Without /proc they are empty, and what carries them is never
// found orphaned.
func OwnerLabels() map[string]string {
	o, boot, ns := self(), bootID(), pidNamespace()
	if o.start == 0 || boot == "" || ns == "" {
		return map[string]string{}
	}
	return map[string]string{
		LabelOwnerPID:   strconv.Itoa(o.pid),
		LabelOwnerStart: strconv.FormatUint(o.start, 10),
		LabelOwnerBoot:  boot,
		LabelOwnerPIDNS: ns,
	}
}

// OwnerGone reports whether labels (as OwnerLabels made them) name an
// imgpipe process of this boot and pid namespace that is not running any
// more. Labels that are missing, malformed or from elsewhere are not
// judged: false.
func OwnerGone(labels map[string]string) bool {
	o, ok := parseOwner(labels[LabelOwnerPID] + "-" + labels[LabelOwnerStart])
	if !ok || o.start == 0 {
		return false
	}
	boot, ns := bootID(), pidNamespace()
	if boot == "" || ns == "" || labels[LabelOwnerBoot] != boot || labels[LabelOwnerPIDNS] != ns {
		return false
	}
	return !o.alive()
}

// OwnerPID returns the pid labels name, "" if none.
func OwnerPID(labels map[string]string) string { return labels[LabelOwnerPID] }

// bootID is the kernel's random ID of this boot, "" if it cannot be read.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// pidNamespace names our pid namespace ("pid:[4026531836]"), "" if it
// cannot be read.
func pidNamespace() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return ns
}
