package kojihub

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// Profile is what imgpipe reads of a koji CLI profile: a section of the
// koji configuration files named after the profile.
type Profile struct {
	Name string
	// Server is the hub's URL (the "server" option).
	Server string
	// ServerCA is the CA file to trust for the hub ("serverca", with ~
	// expanded; ~/.koji/serverca.crt when that exists and none is set, as
	// koji does), or "".
	ServerCA string
	// TopURL is the hub's file tree (the "topurl" option), or "".
	TopURL string
	// Timeout is the "timeout" option, in seconds in the file; 0 when
	// unset.
	Timeout time.Duration
	// Files are the configuration files read, in order.
	Files []string
}

// ConfigFiles returns the files and directories koji's read_config reads,
// in its order (a later file overrides an earlier one): /etc/koji.conf.d,
// /etc/koji.conf, ~/.koji/config.d, ~/.koji/config. home is the user's
// home directory.
func ConfigFiles(home string) []string {
	return []string{
		"/etc/koji.conf.d",
		"/etc/koji.conf",
		filepath.Join(home, ".koji", "config.d"),
		filepath.Join(home, ".koji", "config"),
	}
}

// iniOptions read as Python's ConfigParser does, as close as gopkg.in/ini.v1
// can (engine/legacyini has the same): keys lowercased, section names
// kept, "=" and ":" delimiters, indented continuation lines.
var iniOptions = ini.LoadOptions{
	InsensitiveKeys:            true,
	IgnoreInlineComment:        true,
	IgnoreContinuation:         true,
	AllowPythonMultilineValues: true,
	KeyValueDelimiters:         "=:",
	ChildSectionDelimiter:      "\x00",
	Loose:                      true,
}

// ReadProfile reads profile name from paths (files, or directories whose
// *.conf files are read in name order), as koji's read_config does. home
// expands a leading ~ in serverca.
func ReadProfile(name string, paths []string, home string) (Profile, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return Profile{}, fmt.Errorf("koji configuration: %w", err)
		case info.IsDir():
			entries, err := os.ReadDir(p)
			if err != nil {
				return Profile{}, fmt.Errorf("koji configuration: %w", err)
			}
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".conf") && e.Type().IsRegular() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		default:
			files = append(files, p)
		}
	}
	prof := Profile{Name: name, Files: files}
	found := false
	for _, f := range files {
		cfg, err := ini.LoadSources(iniOptions, f)
		if err != nil {
			return prof, fmt.Errorf("koji configuration %s: %w", f, err)
		}
		sec, err := cfg.GetSection(name)
		if err != nil {
			continue
		}
		found = true
		if k, err := sec.GetKey("server"); err == nil {
			prof.Server = strings.TrimSpace(k.String())
		}
		if k, err := sec.GetKey("topurl"); err == nil {
			prof.TopURL = strings.TrimSpace(k.String())
		}
		if k, err := sec.GetKey("serverca"); err == nil {
			prof.ServerCA = strings.TrimSpace(k.String())
		}
		if k, err := sec.GetKey("timeout"); err == nil {
			secs, err := strconv.Atoi(strings.TrimSpace(k.String()))
			if err != nil || secs < 0 {
				return prof, fmt.Errorf("koji configuration %s: [%s] timeout = %q is not a number of seconds", f, name, k.String())
			}
			prof.Timeout = time.Duration(secs) * time.Second
		}
	}
	if !found {
		var sections []string
		for _, f := range files {
			if cfg, err := ini.LoadSources(iniOptions, f); err == nil {
				for _, s := range cfg.SectionStrings() {
					if s != ini.DefaultSection && !slices.Contains(sections, s) {
						sections = append(sections, s)
					}
				}
			}
		}
		if len(files) == 0 {
			return prof, fmt.Errorf("no koji profile %q: no koji configuration in %s; name the hub with --hub URL", name, strings.Join(paths, ", "))
		}
		return prof, fmt.Errorf("no koji profile %q in %s (profiles: %s); name the hub with --hub URL", name, strings.Join(files, ", "), orNone(sections))
	}
	if prof.Server == "" {
		return prof, fmt.Errorf("koji profile %q has no server option (%s)", name, strings.Join(files, ", "))
	}
	if strings.HasPrefix(prof.ServerCA, "~/") {
		prof.ServerCA = filepath.Join(home, prof.ServerCA[2:])
	}
	if prof.ServerCA == "" {
		def := filepath.Join(home, ".koji", "serverca.crt")
		if _, err := os.Stat(def); err == nil {
			prof.ServerCA = def
		}
	}
	return prof, nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
