// Package stagetest runs a recipe through the planner and the engine for
// the tests of stage kinds that need a whole graph (an install before a
// boot). It is a test helper: it fails the test on planning errors and is
// not imported by non-test code. FlipBit damages a file as a tool writing
// in place would, for the tests of immutability.
package stagetest
