package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// Test hooks: tests force the copying path, watch its progress and inject
// failures.
var (
	// noLink disables reflinks.
	noLink bool
	// copyProgress is called after each block a copy writes.
	copyProgress func(dst string, written int64)
	// beforeAssemble runs before metadata.json is assembled.
	beforeAssemble func() error
)

const copyBlock = 1 << 20

// placeFile puts a read-only copy of src at dst: a reflink where the file
// system can make one, else a sparse-aware copy. Never a hard link: a
// tool that writes into the published file in place (qemu booting it)
// would write into the store's object too, and a file from the recipe's
// directory would stay the user's to edit. The file appears at dst whole
// or not at all: it is written under a temporary name and renamed. When
// wantHash is set, a copy computes and returns the content's sha256; a
// reflink returns "", and the caller hashes the file if it needs to.
func placeFile(ctx context.Context, src, dst, tmpPrefix string, wantHash bool) (digest string, err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp := filepath.Join(filepath.Dir(dst), tmpPrefix+randHex()+"-"+filepath.Base(dst))
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", src)
	}
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	defer func() {
		if out != nil {
			out.Close()
		}
	}()
	if !noLink {
		if err := unix.IoctlFileClone(int(out.Fd()), int(in.Fd())); err == nil {
			err := out.Close()
			out = nil
			if err != nil {
				return "", err
			}
			return "", sealAndRename(tmp, dst)
		}
	}
	var h hash.Hash
	if wantHash {
		h = sha256.New()
	}
	if err := sparseCopy(ctx, out, in, h, dst); err != nil {
		return "", err
	}
	err = out.Close()
	out = nil
	if err != nil {
		return "", err
	}
	if err := sealAndRename(tmp, dst); err != nil {
		return "", err
	}
	if h != nil {
		digest = hex.EncodeToString(h.Sum(nil))
	}
	return digest, nil
}

// sparseCopy copies in to out block by block, seeking over all-zero blocks
// so that holes stay holes, and stops when ctx is done.
func sparseCopy(ctx context.Context, out, in *os.File, h hash.Hash, name string) error {
	buf := make([]byte, copyBlock)
	var written int64
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		n, rerr := io.ReadFull(in, buf)
		if n > 0 {
			b := buf[:n]
			if h != nil {
				h.Write(b)
			}
			if isZero(b) {
				if _, err := out.Seek(int64(n), io.SeekCurrent); err != nil {
					return err
				}
			} else if _, err := out.Write(b); err != nil {
				return err
			}
			written += int64(n)
			if copyProgress != nil {
				copyProgress(name, written)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	// A trailing hole: set the size.
	return out.Truncate(written)
}

// zeroBlock is made on first use: a MiB allocated at start-up costs every
// imgpipe command.
var zeroBlock = sync.OnceValue(func() []byte { return make([]byte, copyBlock) })

func isZero(b []byte) bool { return bytes.Equal(b, zeroBlock()[:len(b)]) }

func rename(tmp, dst string) error {
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// sealAndRename makes a published file read-only, a guard against tools
// that would write into it (root ignores it; the fingerprints recorded at
// publication are what tell), and renames it into place.
func sealAndRename(tmp, dst string) error {
	if err := os.Chmod(tmp, 0o444); err != nil {
		os.Remove(tmp)
		return err
	}
	return rename(tmp, dst)
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+randHex()+"-"+filepath.Base(path))
	// Read-only, as the published files: replaced by renames only.
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o444)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return rename(tmp, path)
}

// hashFile returns a file's size and sha256.
func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// sameFile reports whether a and b are one inode.
func sameFile(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(ia, ib)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func randHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
