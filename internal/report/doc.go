// Package report renders what a store holds as HTML pages: one run (its
// stages in graph order, a timeline, the graph as SVG, each stage's log,
// the screenshots and consoles of failures, and the build it published),
// one published build (its files with sizes and sha256, the original and
// rewritten kickstart side by side, its packages against the previous
// release's) and an index of runs and builds.
//
// `imgpipe report --format html` writes one run's page as a file (Static
// links: file:// URLs into the store, screenshots inlined); `imgpipe
// serve` serves every page (Served links) with a live run's events
// streamed to it. The pages are self-contained: templates and CSS are
// embedded, nothing is loaded from elsewhere, and they read without
// JavaScript; the only script searches logs and refreshes a live run.
//
// It reads the store and never writes it. It is not the store's layout
// (engine/store) nor the event stream (engine/events): it reads both.
package report
