// Command ksbench times imgpipe's kickstart flattening (package kickstart)
// on Fedora's kickstarts (kickstart/testdata/corpus):
//
//	in-process  kickstart.Parse + String for every corpus file with an
//	            %include, as ksflatten would (includes relative to the
//	            including file), checked against pykickstart's output; the
//	            best of -runs rounds, per file. Target: under 2 ms a file.
//	process     `imgpipe ks flatten -q -v F45 fedora-live-jam_kde.ks` as a
//	            whole process (a chain of 6 files), from an empty directory;
//	            the best of -runs. Target: at least 20 times faster than
//	            pykickstart's ksflatten, which takes -ksflatten-time (0.26 s
//	            measured with pykickstart 3.74), or the time of -ksflatten
//	            when given (a command line run through sh, with FILE replaced).
//	minimal     the same flattening by ksbench itself re-executed, a binary
//	            that links only package kickstart: what the process costs
//	            without the rest of imgpipe's start-up (its dependencies'
//	            package initialisation: see docs/decisions/0008 and 0011).
//
// It prints a table and the ratios. Run it with `go tool task bench`, which
// builds bin/imgpipe first; -check exits 1 when a target is missed.
package main
