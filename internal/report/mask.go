package report

import (
	"bufio"
	"io"
	"strings"

	"github.com/imgpipe/imgpipe/internal/secret"
	"github.com/imgpipe/imgpipe/kickstart"
)

// maskText masks what the pages show and serve of a file that a stage or
// an older imgpipe wrote without masking: the credentials of URLs (a
// kernel command line's inst.ks=https://user:password@...) and kickstart
// passwords (a rootpw line), whatever their length. The run's other
// secrets (a sensitive variable's value) are not recorded, so they can
// only be masked as the file is written (docs/reliability-secrets.md).
func maskText(text string) string {
	text, _ = kickstart.MaskPasswords(text, secret.Marker)
	return secret.MaskURL(text)
}

// copyMasked copies r to w line by line, each line masked (maskText).
func copyMasked(w io.Writer, r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if _, werr := io.WriteString(w, maskText(line)); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// isText reports whether a served file is shown as text, and so masked.
func isText(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || contentType == "application/json"
}
