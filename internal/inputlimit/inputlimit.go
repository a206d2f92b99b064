package inputlimit

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// The bounds. Real inputs are far below each one (the largest recipe in
// examples/ is 4 KiB, the largest kickstart in Fedora's corpus 6 KiB); every
// one is checked in well under a second.
const (
	// ConfigBytes bounds a recipe, a Koji INI file (each file of a
	// directory) and a -var-file.
	ConfigBytes = 1 << 20
	// KickstartBytes bounds a kickstart with everything it includes.
	KickstartBytes = 16 << 20
	// Depth bounds how deeply an HCL expression or block may nest.
	Depth = 256
	// TemplateLines bounds the lines of one heredoc (the literal parts of
	// one template in a row): HCL's parser joins them in quadratic time.
	TemplateLines = 2000
	// TemplateBytes bounds the literal text of one heredoc or string, for
	// the same reason.
	TemplateBytes = 256 << 10
	// ExpandedBytes bounds the values of a Koji INI after %(name)s
	// interpolation, all together: references to values full of
	// references multiply.
	ExpandedBytes = 1 << 20
)

// TooLargeError is a file larger than its bound.
type TooLargeError struct {
	Path  string
	Limit int64
	// FirstLine is the start of the file's first line (at most 120 bytes),
	// for a diagnostic's snippet.
	FirstLine []byte
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, imgpipe's limit for this kind of file", e.Path, Size(e.Limit))
}

// ReadFile reads the file at path, or fails with a *TooLargeError as soon as
// it has read more than limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path, limit)
}

// Read reads r to its end, or fails with a *TooLargeError naming name as
// soon as it has read more than limit bytes.
func Read(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: name, Limit: limit, FirstLine: firstLine(b)}
	}
	return b, nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	if len(b) > 120 {
		b = b[:120]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return bytes.Clone(b)
}

// Size writes a byte count the way the limits are stated: 1 MiB, 256 KiB.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
