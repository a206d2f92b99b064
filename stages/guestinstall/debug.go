package guestinstall

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// debugKickstart is what debug_ssh adds to the kickstart copy the
// installer boots from: one `sshpw --sshkey` per key, for root, as Anaconda
// reads it for the installer environment (the user's kickstart file is
// never changed).
func debugKickstart(keys []string) string {
	var b strings.Builder
	b.WriteString("\n# Added by imgpipe's guest-install (debug_ssh, imgpipe run --debug-install).\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "sshpw --username=root --sshkey \"%s\"\n", strings.TrimSpace(k)) // checkKey: no quotes in k
	}
	return b.String()
}

// checkKey says what is wrong with a debug_ssh public key.
func checkKey(k string) error {
	k = strings.TrimSpace(k)
	f := strings.Fields(k)
	switch {
	case k == "":
		return fmt.Errorf("an empty key")
	case strings.ContainsAny(k, "\"\\\n\r"):
		return fmt.Errorf("%.40q... is not one public key line: it holds quotes, backslashes or line breaks", k)
	case len(f) < 2 || !strings.HasPrefix(f[0], "ssh-") && !strings.HasPrefix(f[0], "ecdsa-") && !strings.HasPrefix(f[0], "sk-"):
		return fmt.Errorf("%.40q... is not an OpenSSH public key (ssh-ed25519 AAAA..., the line of a .pub file)", k)
	}
	return nil
}

// announceSSH waits until an SSH server answers on 127.0.0.1:port (the
// installer's sshd behind QEMU's forward: QEMU itself accepts at once and
// closes when the guest does not answer, so only a banner tells) and then
// writes the command that logs in to w. It gives up when ctx ends, and
// writes nothing after that.
func announceSSH(ctx context.Context, port int, w io.Writer) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if sshBanner(ctx, addr) && ctx.Err() == nil {
			fmt.Fprintf(w, "guest-install: the installer's sshd is up; log in with: ssh -p %d root@127.0.0.1 (its host key is new every install: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null keeps it out of known_hosts)\n", port)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sshBanner reports whether an SSH server greets on addr.
func sshBanner(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	return err == nil && string(buf) == "SSH-"
}
