package cache

import (
	"context"
	"errors"
	"fmt"

	"github.com/imgpipe/imgpipe/engine/store"
)

// Remote is a team cache of objects.
type Remote interface {
	// String names the cache in messages: oci://host/repo.
	String() string
	// Fetch finds the object that q names and imports it into st
	// (store.Import), verified. It returns the ID of the object now in
	// st, which may differ from q.ID (the cache's entry was made under
	// another stage ID with the same content key). It returns an error
	// wrapping ErrMiss when the cache has no entry, a *RefusedError when
	// the entry does not verify, and an *UnreachableError when the cache
	// cannot be asked.
	Fetch(ctx context.Context, st *store.Store, q Query) (string, error)
	// Has reports whether the cache has an entry for q, asking only for
	// its manifest's descriptor (no blob is read, nothing is verified),
	// within a short timeout: `imgpipe plan`'s question. It returns an
	// *UnreachableError when the cache cannot be asked.
	Has(ctx context.Context, q Query) (bool, error)
	// Push copies the object id of st into the cache, named by its stage
	// ID, the other stage IDs in aliases and its content key. A push that
	// fails part way leaves no entry a reader accepts.
	Push(ctx context.Context, st *store.Store, id string, aliases []string) error
}

// Query names what to look up: a stage ID, or a content key.
type Query struct {
	ID         string
	ContentKey string
	// Accept checks an entry's record before any of its files is fetched:
	// the engine refuses one whose outputs its stage cannot use. Nil
	// accepts every record.
	Accept func(*store.Result) error
}

func (q Query) String() string {
	if q.ContentKey != "" {
		return "content key " + q.ContentKey
	}
	return "stage ID " + q.ID
}

// ErrMiss is what Fetch returns, wrapped, when the cache has no entry.
var ErrMiss = errors.New("not in the cache")

// RefusedError is an entry that does not verify: a blob whose bytes are
// not its digest, a record that does not match its files or its name. It
// is refused, and the stage runs here.
type RefusedError struct {
	Ref string // the cache and tag: host/repo:id-<stage ID>
	// Digest is the digest of the manifest or blob that failed.
	Digest string
	Err    error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("cache entry %s refused: %s: %v", e.Ref, e.Digest, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// UnreachableError is a cache that cannot be asked: the registry is down,
// refuses the credentials or does not answer in time.
type UnreachableError struct {
	Ref string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cache %s cannot be reached: %v", e.Ref, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
