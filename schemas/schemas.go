package schemas

import (
	"embed"
	"encoding/json"
	"reflect"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/engine/store"
	"github.com/imgpipe/imgpipe/internal/kojidiff"
	"github.com/imgpipe/imgpipe/internal/schemagen"
)

// FS holds the committed schema files, by file name.
//
//go:embed *.schema.json
var FS embed.FS

// A File is one published schema: its file name in this directory and the
// function that generates its content.
type File struct {
	Name     string
	Generate func() ([]byte, error)
}

// Files lists every published schema.
func Files() []File {
	return []File{
		{Name: "events.schema.json", Generate: Events},
		{Name: "plan.schema.json", Generate: Plan},
		{Name: "metadata.schema.json", Generate: Metadata},
		{Name: "kojidiff.schema.json", Generate: KojiDiff},
	}
}

// EventTypes lists every events.Type, in the order a run emits them. It is
// the enum of the "type" property of the events schema.
var EventTypes = []events.Type{
	events.RunStarted,
	events.RunRelease,
	events.StageQueued,
	events.StageStarted,
	events.StageLog,
	events.StageCached,
	events.StageDone,
	events.StageFailed,
	events.StageSkipped,
	events.RunPushing,
	events.RunFinished,
}

// Events generates events.schema.json: the schema of one line of
// `--progress=json` output, which is one events.Event.
func Events() ([]byte, error) {
	enum := make([]any, len(EventTypes))
	for i, t := range EventTypes {
		enum[i] = t
	}
	g := &schemagen.Generator{
		RequireDocs: true,
		Enums:       map[string][]any{"type": enum},
		Docs: map[string]string{
			"type": "What happened. run.started comes once, first; run.finished once, last. " +
				"A stage instance goes stage.queued, then stage.started, any number of stage.log, and stage.done or stage.failed; " +
				"or it ends in stage.cached (satisfied from the store, not run) or stage.skipped (an input failed or the run was cancelled). " +
				"run.pushing comes after the stages when the run still pushes objects to the team cache, which it waits for before run.finished.",
			"time":             "When it happened (RFC 3339).",
			"run":              "The run ID.",
			"stage":            "Stage events: the stage's name in the recipe.",
			"kind":             "Stage events: the stage's kind, e.g. \"exec\".",
			"arch":             "Stage events: the architecture the stage runs for, or \"noarch\" for a stage shared by every architecture.",
			"id":               "Stage events: the stage ID (sha256 hex).",
			"line":             "stage.log: one line of the stage's output, without its newline.",
			"duration_ns":      "stage.done, stage.failed: how long the stage ran, in nanoseconds.",
			"error":            "stage.failed, stage.skipped: why; run.finished: why the run failed.",
			"recipe":           "run.started: the recipe file.",
			"arches":           "run.started: the architectures built.",
			"stages":           "run.started: the number of stage instances.",
			"n":                "The stage instance's number, #N of imgpipe plan, from 1.",
			"needs":            "stage.queued: the keys (\"name [arch]\", as plan --json's) of the stage instances this one needs: the graph's edges.",
			"reason":           "stage.cached: why the stage did not run: its object exists, or its inputs hold the same bytes as when another object was made (early cutoff); stage.started again: the builder it ran on was lost, so it runs again on another.",
			"builder":          "stage.started: the executor block the stage runs on, for one that runs on one (with a pool of builders, the one it was placed on).",
			"build":            "run.release: the name-version-release of the build, settled once every stage the release does not decide has run, from what they made.",
			"up_to_date":       "run.release: a published build already holds what this run builds (the same release key); the run checks it.",
			"pushes":           "run.pushing: how many objects the run still pushes to the team cache; it finishes after them.",
			"status":           "run.finished: the run's outcome.",
			"failed_arches":    "run.finished: the architectures that failed, whether or not they were allowed to.",
			"results":          "run.finished: what the final stages made: those no other stage needs, that succeeded.",
			"results[].stage":  "The stage's name.",
			"results[].arch":   "The instance's architecture label, as in its events.",
			"results[].files":  "Its file outputs: absolute paths in the store.",
			"results[].values": "Its outputs that are plain strings (upload's location), by output name.",
		},
	}
	g.Enums["status"] = []any{"succeeded", "failed", "interrupted"}
	s, err := schemagen.For[events.Event](g)
	if err != nil {
		return nil, err
	}
	s.Title = "imgpipe event"
	s.Description = "One event of a run, as one line of `imgpipe run --progress=json` output. " +
		"Fields that do not apply to an event's type are omitted."
	return schemagen.Marshal(s)
}

// Plan generates plan.schema.json: the document `imgpipe plan --json`
// prints, an engine.PlanDoc.
func Plan() ([]byte, error) {
	g := &schemagen.Generator{
		RequireDocs: true,
		Types: map[reflect.Type]*schemagen.Schema{
			reflect.TypeFor[json.RawMessage](): {Type: schemagen.Types{"object"}},
		},
		Docs: map[string]string{
			"recipe":                 "The recipe file, as given on the command line.",
			"build":                  "The evaluated build block.",
			"build.name":             "The build's name (Koji's N).",
			"build.version":          "The build's version (Koji's V).",
			"build.release":          "The release (Koji's R) when the recipe sets one; otherwise it is derived when the build is published.",
			"build.arches":           "The architectures built.",
			"build.can_fail":         "Architectures whose failure does not fail the build.",
			"build.scratch":          "Whether this is a scratch build.",
			"stages":                 "The stage instances in the order a one-job run would start them.",
			"stages[].id":            "The stage ID: a sha256 over the kind and its version, the resolved configuration, the IDs of its inputs, local input digests, the executor identity and, for per-arch kinds, the architecture.",
			"stages[].name":          "The stage's name in the recipe.",
			"stages[].kind":          "The stage's kind.",
			"stages[].arch":          "The architecture of this instance, \"noarch\" when one instance serves every architecture, or the architectures it serves joined with \"+\".",
			"stages[].arches":        "The architectures this instance serves.",
			"stages[].depends_on":    "The IDs of the instances this one needs.",
			"stages[].key":           "The instance's name in the plan: its stage and arch, as in \"disk [x86_64]\". Unique, unlike the ID: two stages that do the same thing share an ID (and one object in the store) but not a key.",
			"stages[].status":        "What a run would do with the instance, as the store is now: cached (an object exists for its ID, or for its content key), run, unknown (an input is not built yet: early cutoff may still find its object), check (a kind that checks its destination every run, upload, whose object exists), or pull (the store has no object, the team cache has an entry for its ID or content key: a run pulls it; only when the recipe or --cache-from names a cache).",
			"stages[].reason":        "pull: where its object is, the team cache and the stage ID or content key it has an entry for.",
			"stages[].provisional":   "The run's release, a source that could not be resolved, or a container executor that could not be opened (its image named by name, not ID) decides the ID.",
			"stages[].needs":         "The keys of the instances this one needs, in the order of depends_on.",
			"stages[].executor":      "The identity of the executor that runs the stage.",
			"stages[].executor_name": "The executor the stage runs on, when it is not the host: \"podman\", or the name of an executor block (named by the stage, or routed to by its architecture), or the names of the blocks of its architecture's pool joined with \"+\" (placed on one of them when it runs).",
			"stages[].config":        "The resolved configuration. References to other stages' outputs appear as \"${stage.<name>.<output>}\".",
			"stages[].inputs":        "Local files and directories the stage reads, with their content digests.",
			"stages[].outputs":       "The stage's output names, referenced as stage.<name>.<output>.",
			"stages[].timeout":       "The stage's timeout, if set.",
		},
		Enums: map[string][]any{"stages[].status": {"cached", "run", "unknown", "check", "pull"}},
	}
	s, err := schemagen.For[engine.PlanDoc](g)
	if err != nil {
		return nil, err
	}
	s.Title = "imgpipe plan"
	s.Description = "The output of `imgpipe plan --json`: a recipe resolved into stage instances."
	return schemagen.Marshal(s)
}

// Metadata generates metadata.schema.json: a published build's
// metadata.json, a store.BuildMetadata.
func Metadata() ([]byte, error) {
	file := map[string]string{
		"path":   "The file's path relative to the build directory, with slashes, as in SHA256SUMS.",
		"size":   "The file's size in bytes.",
		"sha256": "The file's sha256, hex; equal to sha256sum's.",
	}
	docs := map[string]string{
		"schema_version":                  "The format version of this file; 1.",
		"name":                            "The build's name (Koji's N).",
		"version":                         "The build's version (Koji's V).",
		"release":                         "The build's release (Koji's R).",
		"nvr":                             "name-version-release.",
		"scratch":                         "Whether this is a scratch build (published under scratch/<user>/<run>/, reserving no release).",
		"release_key":                     "A sha256 over the IDs of the stages before the release mattered: a run with the same key is up to date with this build.",
		"created":                         "When the build was first published.",
		"updated":                         "When this file was last written: later than created when a can_fail architecture was added after the others.",
		"imgpipe_version":                 "The imgpipe that wrote this file.",
		"arches":                          "The architectures published, sorted. A can_fail architecture that failed is absent.",
		"builds":                          "Each architecture's part, keyed by architecture.",
		"builds{}.arch":                   "The architecture.",
		"builds{}.images":                 "The artifacts, under images/, with Koji's file names.",
		"builds{}.images[].format":        "The artifact's format (its key in the upload's artifacts).",
		"builds{}.logs":                   "The logs, under data/logs/<arch>/.",
		"builds{}.kickstarts":             "The kickstarts, under data/kickstarts/<arch>/.",
		"builds{}.kickstarts[].role":      "original (before Koji's rewrite), rewritten, or kickstart when not known.",
		"builds{}.kickstarts[].url":       "Where the kickstart came from, when known.",
		"builds{}.kickstarts[].revision":  "The revision of its source (a full commit, or a content digest), when known.",
		"builds{}.install_tree":           "The install tree the image was installed from (a URL, or an absolute directory), when the upload was told: `imgpipe boot N-V-R` boots the image with its kernel.",
		"builds{}.packages":               "The packages installed in the image, as boot-verify listed them (Koji's icicle fields), or null when the upload was given no list.",
		"builds{}.packages[].name":        "The package's name.",
		"builds{}.packages[].version":     "Its version.",
		"builds{}.packages[].release":     "Its release.",
		"builds{}.packages[].arch":        "Its architecture.",
		"builds{}.packages[].epoch":       "Its epoch, or null when it has none.",
		"builds{}.packages[].size":        "Its installed size in bytes.",
		"builds{}.packages[].payloadhash": "Its SIGMD5 (Koji's payloadhash).",
		"builds{}.packages[].buildtime":   "When it was built, in seconds since the epoch.",
		"builds{}.stages":                 "The stages whose results were published, in the order they started, then the upload itself.",
		"builds{}.stages[].name":          "The stage's name in the recipe.",
		"builds{}.stages[].kind":          "The stage's kind.",
		"builds{}.stages[].id":            "The stage ID.",
		"builds{}.stages[].arch":          "The architecture of the stage instance, or noarch.",
		"builds{}.stages[].run":           "The run that built it (an earlier run when it came from the cache).",
		"builds{}.stages[].started":       "When it started.",
		"builds{}.stages[].duration_ns":   "How long it ran, in nanoseconds.",
		"builds{}.run":                    "The run that published this architecture.",
		"builds{}.started":                "When this architecture's upload started.",
		"builds{}.finished":               "When this architecture's upload had published its files.",
	}
	for _, list := range []string{"builds{}.images[]", "builds{}.logs[]", "builds{}.kickstarts[]"} {
		for k, v := range file {
			docs[list+"."+k] = v
		}
	}
	g := &schemagen.Generator{RequireDocs: true, Docs: docs}
	s, err := schemagen.For[store.BuildMetadata](g)
	if err != nil {
		return nil, err
	}
	s.Title = "imgpipe build metadata"
	s.Description = "A published build's metadata.json, in builds/<name>/<version>/<release>/ or scratch/<user>/<run>/. " +
		"It is written last: a build exists iff its metadata.json does."
	return schemagen.Marshal(s)
}

// KojiDiff generates kojidiff.schema.json: the document `imgpipe koji diff
// --format json` prints, a kojidiff.Doc.
func KojiDiff() ([]byte, error) {
	file := map[string]string{
		"name":   "The file's name: Koji's archive file name, or the local image's (under images/).",
		"format": "The local image's format (qcow2, vsphere-ova, ...) or Koji's archive type, when known.",
	}
	pkg := map[string]string{
		"name":    "The package's name.",
		"epoch":   "Its epoch, or null when it has none.",
		"version": "Its version.",
		"release": "Its release.",
		"arch":    "Its architecture.",
		"sigmd5":  "Its SIGMD5 (Koji's payloadhash), when known.",
	}
	docs := map[string]string{
		"koji":                              "Koji's side.",
		"koji.source":                       "What was asked for: \"task N\" or \"build N-V-R\".",
		"koji.nvr":                          "The N-V-R of Koji's build.",
		"local":                             "The local side: a build published in the store.",
		"local.nvr":                         "The local build's N-V-R.",
		"local.dir":                         "The local build's directory in the store.",
		"equal":                             "Whether the builds are the same: the same arches, image files and packages (the exit status is 0 then, 1 otherwise).",
		"arches":                            "Each architecture of either build, sorted.",
		"arches[].arch":                     "The architecture.",
		"arches[].in":                       "Which builds have it: both, koji (Koji's only) or local (the local build's only).",
		"arches[].files":                    "The image files, compared by name (empty when the architecture is in one build only).",
		"arches[].files.added":              "In the local build only.",
		"arches[].files.removed":            "In Koji's build only.",
		"arches[].files.same":               "In both, by name.",
		"arches[].packages":                 "The installed packages, compared by name and arch.",
		"arches[].packages.compared":        "False when a side recorded no package list (a scratch build or a livemedia in Koji; an upload given none locally): the lists are then empty.",
		"arches[].packages.added":           "In the local build only.",
		"arches[].packages.removed":         "In Koji's build only.",
		"arches[].packages.changed":         "In both with another epoch, version, release or signature.",
		"arches[].packages.changed[].koji":  "Koji's package.",
		"arches[].packages.changed[].local": "The local package.",
		"arches[].packages.same":            "How many are the same in both.",
		"arches[].packages.note":            "Why the packages were not compared, when they were not.",
	}
	for _, list := range []string{"arches[].files.added[]", "arches[].files.removed[]"} {
		for k, v := range file {
			docs[list+"."+k] = v
		}
	}
	for _, p := range []string{"arches[].packages.added[]", "arches[].packages.removed[]", "arches[].packages.changed[].koji", "arches[].packages.changed[].local"} {
		for k, v := range pkg {
			docs[p+"."+k] = v
		}
	}
	g := &schemagen.Generator{
		RequireDocs: true,
		Docs:        docs,
		Enums:       map[string][]any{"arches[].in": {"both", "koji", "local"}},
	}
	s, err := schemagen.For[kojidiff.Doc](g)
	if err != nil {
		return nil, err
	}
	s.Title = "imgpipe koji diff"
	s.Description = "The output of `imgpipe koji diff --format json`: a local published build compared with Koji's, per architecture (docs/koji-replay.md)."
	return schemagen.Marshal(s)
}
