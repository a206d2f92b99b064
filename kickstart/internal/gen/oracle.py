#!/usr/bin/env python3
"""Record pykickstart's own output as an oracle file for oracle_test.go.

For each version named on the command line, every input is parsed with a
fresh handler of that version, as ksflatten does, and one JSON line
{"v": version, "in": kickstart, "out": str(handler) or "ERROR"} is written.
The inputs are the command lines pykickstart's own tests parse
(tests/commands/*.py: the first argument of assert_parse, assert_parse_error
and assert_deprecated, when it is a plain string) and the self-contained
kickstarts under the given corpus directories (files without %include).
With --pairs, each test line is also followed by the next test line of the
same command: pykickstart merges a repeated command option by option and
appends to a list command, which one line alone does not show.

Usage, from the repository root, with a checkout of the pykickstart release
to follow:

    PYTHONPATH=<pykickstart checkout> python3 kickstart/internal/gen/oracle.py \
        --tests <pykickstart checkout>/tests/commands \
        --corpus kickstart/testdata/corpus F30 F29 > /tmp/oracle.jsonl
    IMGPIPE_KS_ORACLE=/tmp/oracle.jsonl go test -tags oracle ./kickstart/ -run TestOracleCases

Recordings are large: keep them out of the repository.
"""
import argparse
import ast
import json
import os
import sys
import warnings

import pykickstart
from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion

CALLS = {'assert_parse', 'assert_parse_error', 'assert_deprecated', 'assert_removed'}


def test_inputs(directory):
    out = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith('.py'):
            continue
        with open(os.path.join(directory, name), encoding='utf-8') as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CALLS):
                continue
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.append(node.args[0].value)
    return out


def corpus_inputs(directory):
    out = []
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            if not (name.endswith('.ks') or name.endswith('.flat')):
                continue
            with open(os.path.join(root, name), encoding='utf-8') as f:
                text = f.read()
            if any(line.split()[:1] == ['%include'] for line in text.splitlines()):
                continue
            out.append(text)
    return out


def record(version, text):
    handler = makeVersion(version)
    parser = KickstartParser(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            parser.readKickstartFromString(text)
        return str(handler)
    except Exception:  # ksflatten fails on any exception, not only KickstartError
        return 'ERROR'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tests', action='append', default=[])
    ap.add_argument('--corpus', action='append', default=[])
    ap.add_argument('--pairs', action='store_true')
    ap.add_argument('versions', nargs='+')
    opts = ap.parse_args()
    inputs = []
    for d in opts.tests:
        lines = [s if s.endswith('\n') else s + '\n' for s in test_inputs(d)]
        inputs += lines
        if opts.pairs:
            inputs += [a + b for a, b in zip(lines, lines[1:]) if a.split()[:1] == b.split()[:1]]
    for d in opts.corpus:
        inputs += corpus_inputs(d)
    seen = set()
    inputs = [s for s in inputs if not (s in seen or seen.add(s))]
    for v in opts.versions:
        for text in inputs:
            sys.stdout.write(json.dumps({'v': v, 'in': text, 'out': record(v, text)}) + '\n')


main()
