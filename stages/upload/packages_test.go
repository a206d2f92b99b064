package upload_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imgpipe/imgpipe/stages/upload"
)

// boot-verify writes each package's digest as rpm's "sigmd5"; Koji records
// it as "payloadhash", and so does metadata.json. Both are read.
func TestReadPackagesDigest(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"boot-verify.json": `[{"name": "bash", "version": "5.2", "release": "1", "arch": "x86_64", "epoch": null, "size": 1, "sigmd5": "0123456789abcdef0123456789abcdef", "buildtime": 2}]`,
		"koji.json":        `{"packages": [{"name": "bash", "version": "5.2", "release": "1", "arch": "x86_64", "epoch": null, "size": 1, "payloadhash": "0123456789abcdef0123456789abcdef", "buildtime": 2}]}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs, err := upload.ReadPackages(path)
		if err != nil || len(pkgs) != 1 {
			t.Fatalf("%s: %v, %v", name, pkgs, err)
		}
		if p := pkgs[0]; p.Payloadhash != "0123456789abcdef0123456789abcdef" || p.Name != "bash" || p.Buildtime != 2 {
			t.Errorf("%s: %+v", name, p)
		}
	}
}
