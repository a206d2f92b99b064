// Package examples holds recipes users can copy. Its only Go code is the
// test that validates and plans every recipe here against golden plans in
// testdata/plan/.
package examples
