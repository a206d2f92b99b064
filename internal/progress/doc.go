// Package progress renders a run's event stream (engine/events) for people
// and programs: the front ends behind `imgpipe run --progress=MODE`.
//
// New returns a Renderer, an events.Sink with a Close method, for one of
// four modes:
//
//   - tty: a live view redrawn in place, one line per running stage with its
//     elapsed time and latest output line; finished stages collapse into
//     one static line each above it, and a failed stage is followed by its
//     last lines of output.
//   - plain: append-only text in the style of BuildKit's plain progress,
//     for CI logs and pipes. Each stage instance gets a number (#1, #2, …)
//     that prefixes its header, its output lines and its outcome. The text
//     depends only on the events, never on the clock, so it is reproducible.
//   - json: each event as one line of JSON, exactly json.Marshal(event); the
//     schema of a line is schemas/events.schema.json.
//   - auto: tty when the writer is a terminal and TERM is not "dumb",
//     otherwise plain.
//
// The tty view uses color unless NO_COLOR is set (https://no-color.org);
// plain and json never do.
//
// Every Renderer is safe for concurrent Emit. Emit only updates state or
// writes a few lines; the tty view redraws from its own goroutine at most
// every 100ms (WithRefresh), and Close stops that goroutine, draws the final
// state and leaves the cursor on a fresh line below it. Events emitted after
// Close are dropped.
//
// This package is not a logger and keeps no record: it does not persist
// events or stage logs (the engine's store does), does not decide what a
// run's outcome is (it prints what RunFinished says), and does not read
// input or handle signals. It never closes the writer it is given.
package progress
