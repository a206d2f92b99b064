package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// MetadataVersion is the format version of metadata.json. Bump it when a
// change would confuse an older reader.
const MetadataVersion = 1

// Metadata is a published build's metadata.json (schemas/metadata.schema.json).
// It is written last, atomically: a build exists iff its metadata.json
// does. It lists the architectures that were published; a can_fail
// architecture that failed is absent.
type Metadata struct {
	SchemaVersion int    `json:"schema_version"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	Release       string `json:"release"`
	NVR           string `json:"nvr"`
	Scratch       bool   `json:"scratch"`
	// ReleaseKey identifies the stages before the release mattered: a rerun
	// with the same key is up to date with this build (DESIGN §4).
	ReleaseKey string    `json:"release_key"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Imgpipe    string    `json:"imgpipe_version"`
	// Arches are the architectures published, sorted.
	Arches []string `json:"arches"`
	// Builds holds each architecture's part, keyed by architecture.
	Builds map[string]*ArchMetadata `json:"builds"`
}

// ArchMetadata is one architecture's part of a build.
type ArchMetadata struct {
	Arch string `json:"arch"`
	// Images are the published artifacts, under images/.
	Images []Image `json:"images"`
	// Logs are the published logs, under data/logs/<arch>/.
	Logs []File `json:"logs"`
	// Kickstarts are the original and the rewritten kickstart, under
	// data/kickstarts/<arch>/.
	Kickstarts []Kickstart `json:"kickstarts"`
	// Packages is the boot-verify package list (Koji's icicle fields), or
	// null when the upload was given none.
	Packages []Package `json:"packages"`
	// Stages are the stages whose results were published, and the upload.
	Stages   []StageRecord `json:"stages"`
	Run      string        `json:"run"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
}

// File is one published file.
type File struct {
	// Path is relative to the build directory, with slashes.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Image is a published artifact.
type Image struct {
	File
	// Format is its key in the upload's artifacts (qcow2, vsphere-ova, ...).
	Format string `json:"format"`
}

// Kickstart is a published kickstart with its provenance.
type Kickstart struct {
	File
	// Role is "original" (before Koji's rewrite), "rewritten" or
	// "kickstart" when unknown.
	Role string `json:"role"`
	// URL and Revision say where the kickstart came from, when known.
	URL      string `json:"url,omitempty"`
	Revision string `json:"revision,omitempty"`
}

// Package is one installed package, with Koji's icicle fields
// (koji-notes §4.6).
type Package struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Release     string `json:"release"`
	Arch        string `json:"arch"`
	Epoch       *int64 `json:"epoch"`
	Size        int64  `json:"size"`
	Payloadhash string `json:"payloadhash"`
	Buildtime   int64  `json:"buildtime"`
}

// StageRecord is one stage that contributed to the build.
type StageRecord struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Arch string `json:"arch"`
	// Run is the run that built the stage's object (an earlier one when it
	// came from the cache).
	Run      string        `json:"run"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
}

// fragment is data/<arch>.json: one architecture's part, written by its
// upload instance before metadata.json is assembled from the fragments.
type fragment struct {
	SchemaVersion int           `json:"schema_version"`
	NVR           string        `json:"nvr"`
	ReleaseKey    string        `json:"release_key"`
	Arch          *ArchMetadata `json:"arch"`
}

// ReadMetadata reads a build directory's metadata.json.
func ReadMetadata(dir string) (*Metadata, error) {
	b, err := os.ReadFile(filepath.Join(dir, metadataFile))
	if err != nil {
		return nil, err
	}
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, metadataFile), err)
	}
	return &m, nil
}

// readPackages reads the boot-verify package list: a JSON array of
// packages with Koji's icicle fields, or an object holding one as
// "packages".
func readPackages(path string) ([]Package, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read package list: %w", err)
	}
	b = bytes.TrimSpace(b)
	var pkgs []Package
	if bytes.HasPrefix(b, []byte("{")) {
		var wrapped struct {
			Packages []Package `json:"packages"`
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

// Files lists every file of the part, images first.
func (a *ArchMetadata) Files() []File {
	var files []File
	for _, i := range a.Images {
		files = append(files, i.File)
	}
	files = append(files, a.Logs...)
	for _, k := range a.Kickstarts {
		files = append(files, k.File)
	}
	return files
}
