package kojidiff

import "fmt"

// Doc is the comparison, as --format json prints it.
type Doc struct {
	Koji struct {
		Source string `json:"source"`
		NVR    string `json:"nvr"`
	} `json:"koji"`
	Local struct {
		NVR string `json:"nvr"`
		Dir string `json:"dir"`
	} `json:"local"`
	Equal  bool   `json:"equal"`
	Arches []Arch `json:"arches"`
}

// Arch is one arch's comparison. In is "both", "koji" (Koji's build
// only) or "local" (the local build only). Added means in the local build
// only, removed in Koji's only; changed packages have both versions.
type Arch struct {
	Arch  string `json:"arch"`
	In    string `json:"in"`
	Files struct {
		Added   []File   `json:"added"`
		Removed []File   `json:"removed"`
		Same    []string `json:"same"`
	} `json:"files"`
	Packages struct {
		// Compared is false when a side recorded no package list (a
		// scratch build in Koji; an upload given none locally).
		Compared bool      `json:"compared"`
		Added    []Package `json:"added"`
		Removed  []Package `json:"removed"`
		Changed  []Change  `json:"changed"`
		Same     int       `json:"same"`
		Note     string    `json:"note,omitempty"`
	} `json:"packages"`
}

// File is an image file of a build.
type File struct {
	Name string `json:"name"`
	// Format is the local format (qcow2, vsphere-ova, ...) or Koji's
	// archive type, when known.
	Format string `json:"format,omitempty"`
}

// Package is a package as Koji's icicle has it; SigMD5 is its
// payloadhash.
type Package struct {
	Name    string `json:"name"`
	Epoch   *int64 `json:"epoch"`
	Version string `json:"version"`
	Release string `json:"release"`
	Arch    string `json:"arch"`
	SigMD5  string `json:"sigmd5,omitempty"`
}

// Change is a package whose version or signature differs: Koji's and the
// local one.
type Change struct {
	Koji  Package `json:"koji"`
	Local Package `json:"local"`
}

// EVR is the package's [epoch:]version-release.
func (p Package) EVR() string {
	if p.Epoch != nil {
		return fmt.Sprintf("%d:%s-%s", *p.Epoch, p.Version, p.Release)
	}
	return p.Version + "-" + p.Release
}

// SameEVR says whether q has p's epoch, version and release.
func (p Package) SameEVR(q Package) bool {
	return p.EVR() == q.EVR()
}
