package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// MetadataVersion is the format version of metadata.json. Bump it when a
// change would confuse an older reader.
const MetadataVersion = 1

// BuildMetadata is a published build's metadata.json
// (schemas/metadata.schema.json). The upload stage writes it last,
// atomically: a build exists iff its metadata.json does. It lists the
// architectures that were published; a can_fail architecture that failed
// is absent.
type BuildMetadata struct {
	SchemaVersion int    `json:"schema_version"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	Release       string `json:"release"`
	NVR           string `json:"nvr"`
	Scratch       bool   `json:"scratch"`
	// ReleaseKey identifies the stages the build was made of: a rerun with
	// the same key is up to date with this build
	// (docs/decisions/0010-release-key.md).
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
	Images []BuildImage `json:"images"`
	// Logs are the published logs, under data/logs/<arch>/.
	Logs []BuildFile `json:"logs"`
	// Kickstarts are the original and the rewritten kickstart, under
	// data/kickstarts/<arch>/.
	Kickstarts []BuildKickstart `json:"kickstarts"`
	// InstallTree is the install tree the image was installed from (its
	// kernel boots the image directly: `imgpipe boot N-V-R`), when known.
	InstallTree string `json:"install_tree,omitempty"`
	// Packages is the boot-verify package list (Koji's icicle fields), or
	// null when the upload was given none.
	Packages []BuildPackage `json:"packages"`
	// Stages are the stages whose results were published, and the upload.
	Stages   []BuildStage `json:"stages"`
	Run      string       `json:"run"`
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
}

// BuildFile is one published file.
type BuildFile struct {
	// Path is relative to the build directory, with slashes.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BuildImage is a published artifact.
type BuildImage struct {
	BuildFile
	// Format is its key in the upload's artifacts (qcow2, vsphere-ova, ...).
	Format string `json:"format"`
}

// BuildKickstart is a published kickstart with its provenance.
type BuildKickstart struct {
	BuildFile
	// Role is "original" (before Koji's rewrite), "rewritten" or
	// "kickstart" when unknown.
	Role string `json:"role"`
	// URL and Revision say where the kickstart came from, when known.
	URL      string `json:"url,omitempty"`
	Revision string `json:"revision,omitempty"`
}

// BuildPackage is one package installed in an image, with the fields of
// Koji's icicle (its image's package list).
type BuildPackage struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Release     string `json:"release"`
	Arch        string `json:"arch"`
	Epoch       *int64 `json:"epoch"`
	Size        int64  `json:"size"`
	Payloadhash string `json:"payloadhash"`
	Buildtime   int64  `json:"buildtime"`
}

// BuildStage is one stage that contributed to the build.
type BuildStage struct {
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

// Files lists every file of the part, images first.
func (a *ArchMetadata) Files() []BuildFile {
	var files []BuildFile
	for _, i := range a.Images {
		files = append(files, i.BuildFile)
	}
	files = append(files, a.Logs...)
	for _, k := range a.Kickstarts {
		files = append(files, k.BuildFile)
	}
	return files
}

// ReadMetadata reads the metadata.json of a build directory (one of
// BuildDir or ScratchDir).
func ReadMetadata(dir string) (*BuildMetadata, error) {
	path := filepath.Join(dir, MetadataFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m BuildMetadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}
