package kojihub

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	if len(files) == 0 {
		return prof, fmt.Errorf("no koji profile %q: no koji configuration in %s; name the hub with --hub URL", name, strings.Join(paths, ", "))
	}
	// One parser reads every file in order, as read_config_files does: a
	// later file's value wins, [DEFAULT] serves every profile, and
	// %(name)s is replaced from the profile or [DEFAULT] (ini.v1's
	// Key.String).
	sources := make([]any, len(files))
	for i, f := range files {
		sources[i] = f
	}
	cfg, err := ini.LoadSources(iniOptions, sources[0], sources[1:]...)
	if err != nil {
		return prof, fmt.Errorf("koji configuration %s: %w", strings.Join(files, ", "), err)
	}
	sec, err := cfg.GetSection(name)
	if err != nil {
		var sections []string
		for _, s := range cfg.SectionStrings() {
			if s != ini.DefaultSection {
				sections = append(sections, s)
			}
		}
		return prof, fmt.Errorf("no koji profile %q in %s (profiles: %s); name the hub with --hub URL", name, strings.Join(files, ", "), orNone(sections))
	}
	get := func(key string) (string, bool) {
		k, err := sec.GetKey(key)
		if err != nil {
			if k, err = cfg.Section(ini.DefaultSection).GetKey(key); err != nil {
				return "", false
			}
		}
		return strings.TrimSpace(k.String()), true
	}
	prof.Server, _ = get("server")
	prof.TopURL, _ = get("topurl")
	prof.ServerCA, _ = get("serverca")
	if v, ok := get("timeout"); ok {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			return prof, fmt.Errorf("koji configuration %s: [%s] timeout = %q is not a number of seconds", strings.Join(files, ", "), name, v)
		}
		prof.Timeout = time.Duration(secs) * time.Second
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
