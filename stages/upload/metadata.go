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
// "packages".
func readPackages(path string) ([]store.BuildPackage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read package list: %w", err)
	}
	b = bytes.TrimSpace(b)
	var pkgs []store.BuildPackage
	if bytes.HasPrefix(b, []byte("{")) {
		var wrapped struct {
			Packages []store.BuildPackage `json:"packages"`
		}
		err = json.Unmarshal(b, &wrapped)
		pkgs = wrapped.Packages
	} else {
		err = json.Unmarshal(b, &pkgs)
	}
	if err == nil && pkgs == nil {
		err = fmt.Errorf("no packages")
	}
	if err != nil {
		return nil, fmt.Errorf("package list %s: want a JSON array of packages with Koji's icicle fields (name, version, release, arch, epoch, size, payloadhash, buildtime): %w", path, err)
	}
	return pkgs, nil
}
