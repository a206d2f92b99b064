// Package upload is the upload stage kind (docs/architecture.md#stage-kinds): it publishes a
// build's artifacts into the store, or pushes them to an OCI registry.
//
// # The store
//
// A build goes where the store puts it (engine/store decides the layout):
// builds/<name>/<version>/<release>/ (store.BuildDir), or
// scratch/<user>/<run>/ for a scratch build (store.ScratchDir). This
// package decides what the build directory holds:
//
//	images/<file>                 the artifacts, with Koji's file names
//	data/logs/<arch>/<file>       logs
//	data/kickstarts/<arch>/<file> the original and the rewritten kickstart
//	data/<arch>.json              one architecture's part (a fragment)
//	SHA256SUMS                    every file above but the fragments
//	metadata.json                 written last: the build exists iff it does
//	                              (a store.BuildMetadata)
//
// Files are read-only copies of the store's objects: reflinks where the
// file system has them, else sparse copies, never hard links (a tool that
// writes into a published image in place would write into the object
// too). Each appears under its final name whole or not at all (temporary
// name, then rename). Digests come from the objects' records: publishing
// never re-reads an image the store has already hashed, unless its
// fingerprint (engine/store: Fingerprint) is not the one its object
// recorded. data/<arch>.fingerprints.json records each published file's
// digest and fingerprint, outside the build proper (not in SHA256SUMS or
// metadata.json).
//
// # Several architectures
//
// Every architecture's upload instance publishes its own files, then
// writes its fragment, data/<arch>.json (its part of metadata.json, with
// the release key). Then, under the build's store lock, it assembles:
// it reads the fragments carrying this run's release key whose files are
// in place, and when every required architecture (not can_fail) has one it
// writes SHA256SUMS, then metadata.json, both atomically, and removes
// reservation.json. So whichever required architecture finishes last
// publishes the build, listing every architecture done by then. A can_fail
// architecture that fails never writes a fragment and is absent. One that
// finishes after the build was published adds itself: it rewrites
// SHA256SUMS and metadata.json (atomically, under the lock) with its part.
//
// Crash safety: an instance removes its own fragment before touching its
// files and writes it after they are all in place, so a fragment always
// describes files that are there. Killed before metadata.json is written,
// the build does not exist; the release's reservation is taken over by the
// next run, which keeps the files data/<arch>.fingerprints.json records
// with the digests it publishes and unchanged fingerprints. Killed while
// amending, the build stays as it was.
//
// # Up to date
//
// upload is Uncached: it runs on every run and checks its destination.
// When metadata.json lists this architecture with the same images (paths,
// sizes and digests), it is up to date and writes nothing, once every file
// metadata.json lists for it is checked: a file whose fingerprint is the
// one recorded at publication is intact, any other is read and compared
// with its published digest. A missing or damaged file is published again
// from its object (and the copy checked); one this run has no source with
// the published digest for is an error that names it and `imgpipe builds
// delete`. SHA256SUMS that differs from metadata.json is written again
// from metadata.json, never from the files. A published build with other
// images for this architecture is an error: builds are immutable.
//
// # OCI
//
// to = "oci://host[:port]/repo:tag" pushes disk images as an artifact
// manifest (artifactType application/vnd.imgpipe.image.v1, the empty
// config, one layer per image, media type
// application/vnd.imgpipe.image.layer.v1.<format>, titled with its Koji
// file name) and the docker format as a runnable image (the docker-archive
// unpacked: its config and layers as an OCI image manifest). A single
// architecture's manifest is the tag; with several, each is tagged
// <tag>-<arch> and the tag is an image index of them, updated under a
// store lock. Manifests are deterministic, so a tag that already names
// the same manifest is up to date.
package upload
