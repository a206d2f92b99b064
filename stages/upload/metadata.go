package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/imgpipe/imgpipe/engine/store"
)

// fragment is data/<arch>.json: one architecture's part, written by its
// upload instance before metadata.json (a store.BuildMetadata) is
// assembled from the fragments.
type fragment struct {
	SchemaVersion int                 `json:"schema_version"`
	NVR           string              `json:"nvr"`
	ReleaseKey    string              `json:"release_key"`
	Arch          *store.ArchMetadata `json:"arch"`
}

// readPackages reads the boot-verify package list: a JSON array of
// packages with Koji's icicle fields, or an object holding one as
// "packages". The package's digest is rpm's SIGMD5, which boot-verify
// writes as "sigmd5" and Koji records as "payloadhash"; either is read.
func readPackages(path string) ([]store.BuildPackage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read package list: %w", err)
	}
	b = bytes.TrimSpace(b)
	type icicle struct {
		store.BuildPackage
		SigMD5 string `json:"sigmd5"`
	}
	var list []icicle
	if bytes.HasPrefix(b, []byte("{")) {
		var wrapped struct {
			Packages []icicle `json:"packages"`
		}
		err = json.Unmarshal(b, &wrapped)
		list = wrapped.Packages
	} else {
		err = json.Unmarshal(b, &list)
	}
	if err == nil && list == nil {
		err = fmt.Errorf("no packages")
	}
	if err != nil {
		return nil, fmt.Errorf("package list %s: want a JSON array of packages with Koji's icicle fields (name, version, release, arch, epoch, size, sigmd5 or payloadhash, buildtime): %w", path, err)
	}
	pkgs := make([]store.BuildPackage, len(list))
	for i, p := range list {
		pkgs[i] = p.BuildPackage
		if pkgs[i].Payloadhash == "" {
			pkgs[i].Payloadhash = p.SigMD5
		}
	}
	return pkgs, nil
}
