package kickstart

import (
	"fmt"
	"strconv"
)

// RepoMode says what a Koji-style rewrite does with the kickstart's own
// repo commands.
type RepoMode string

const (
	// RepoOverride drops the kickstart's repos for the given ones, as
	// Koji does.
	RepoOverride RepoMode = "override"
	// RepoAppend adds the given repos after the kickstart's own.
	RepoAppend RepoMode = "append"
	// RepoKeep leaves the kickstart's repos alone (Koji's --ksrepo); the
	// given repos are not added.
	RepoKeep RepoMode = "keep"
)

// KojiRewrite is the change Koji's builder makes to the parsed kickstart
// before writing it out for the installer (docs/koji-behaviour.md#kickstart-rewrite): its repos and
// its installation source.
type KojiRewrite struct {
	// Repos are added as "repo --name=koji-override-N --baseurl=URL", N
	// counting from 0 in this order (Koji counts over a set, in hash
	// order; imgpipe keeps the given order so the result is stable).
	Repos []string
	// RepoMode defaults to RepoOverride.
	RepoMode RepoMode
	// InstallTree, when set, becomes the url command's --url. The url
	// command's other options (--proxy, --sslcacert, ...) stay, as in
	// pykickstart's url object; --noverifyssl is set from NoVerifySSL.
	InstallTree string
	// NoVerifySSL adds --noverifyssl to the added repos and to url.
	NoVerifySSL bool
}

// Rewrite applies Koji's rewrite to the kickstart. Render it (String)
// first to keep the original.
func (k *Kickstart) Rewrite(r KojiRewrite) error {
	h := k.h
	mode := r.RepoMode
	if mode == "" {
		mode = RepoOverride
	}
	repo := h.obj("repo")
	switch mode {
	case RepoOverride:
		repo.list = nil
	case RepoAppend, RepoKeep:
	default:
		return fmt.Errorf("unknown repo mode %q: use override, append or keep", mode)
	}
	if mode != RepoKeep {
		cn := h.t.data[repo.cls.data]
		for i, u := range r.Repos {
			d := &dataObj{cls: cn, a: pyDataClasses[cn].clone()}
			d.a["name"] = "koji-override-" + strconv.Itoa(i)
			d.a["baseurl"] = u
			if r.NoVerifySSL {
				d.a["noverifyssl"] = true
			}
			repo.list = append(repo.list, d)
		}
	}
	if r.InstallTree != "" {
		url := h.obj("url")
		url.seen = true
		url.a["url"] = r.InstallTree
		url.a["noverifyssl"] = r.NoVerifySSL
	}
	return nil
}

// BootloaderAppend returns bootloader --append, which Koji hands to
// livemedia-creator.
func (k *Kickstart) BootloaderAppend() string {
	if o := k.h.peek("bootloader"); o != nil {
		return o.s("appendLine")
	}
	return ""
}
