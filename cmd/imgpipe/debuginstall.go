package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// debugInstallFlag is `run --debug-install` (the public keys in ~/.ssh) or
// `--debug-install=KEY.pub`: every guest-install stage of the run boots its
// installer with sshd, root's login being those keys (its debug_ssh).
type debugInstallFlag struct {
	on   bool
	file string
}

func (f *debugInstallFlag) String() string {
	if f == nil || !f.on {
		return ""
	}
	return f.file
}
func (f *debugInstallFlag) IsBoolFlag() bool { return true }
func (f *debugInstallFlag) Set(v string) error {
	switch v {
	case "true":
		f.on, f.file = true, ""
	case "false":
		f.on, f.file = false, ""
	case "":
		return fmt.Errorf("name a public key file, or give --debug-install alone for those in ~/.ssh")
	default:
		f.on, f.file = true, v
	}
	return nil
}

// defaultKeys are the public keys --debug-install authorizes when it names
// none, in the order ssh tries their private halves.
var defaultKeys = []string{"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"}

// settings returns the setting the flag makes, or nil when it is off.
func (f *debugInstallFlag) settings() ([]engine.Setting, error) {
	if !f.on {
		return nil, nil
	}
	files := []string{f.file}
	if f.file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, usagef("--debug-install: %v; name a public key: --debug-install=KEY.pub", err)
		}
		files = nil
		for _, name := range defaultKeys {
			p := filepath.Join(home, ".ssh", name)
			if _, err := os.Stat(p); err == nil {
				files = append(files, p)
			}
		}
		if len(files) == 0 {
			return nil, usagef("--debug-install: no public key in %s (%s): make one with ssh-keygen, or name one: --debug-install=KEY.pub",
				filepath.Join(home, ".ssh"), strings.Join(defaultKeys, ", "))
		}
	}
	var keys []cty.Value
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, usagef("--debug-install: %v", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				keys = append(keys, cty.StringVal(l))
			}
		}
	}
	if len(keys) == 0 {
		return nil, usagef("--debug-install: %s holds no public key", strings.Join(files, ", "))
	}
	return []engine.Setting{{Kind: "guest-install", Attr: "debug_ssh", Value: cty.ListVal(keys), Flag: "--debug-install"}}, nil
}
