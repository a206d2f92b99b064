#!/usr/bin/python3
"""Record the fake hub's responses with Koji's own marshalling code.

Each scenario NAME.py beside this script defines CALLS, a list of
(method, args, kwargs, result): the call as koji's ClientSession sends it
(koji.encode_args(*args, **kwargs)) and what the hub answers, a value or a
koji exception (a fault). This script writes NAME/calls.json and one file
per call (named after the call), the response bytes as kojihub/kojixmlrpc.py writes them with
koji/xmlrpcplus.py's dumps, plus offline.xml, the hub's ServerOffline
reply (kojixmlrpc.offline_reply). README.md says how to run it.
"""

import datetime
import json
import os
import re
import runpy
import shutil
import sys
import types

try:
    import defusedxml.xmlrpc  # noqa: F401
except ImportError:
    # koji.xmlrpcplus imports defusedxml only to harden *parsing*: without
    # it, a no-op stand-in changes nothing in what dumps writes.
    _d = types.ModuleType('defusedxml')
    _x = types.ModuleType('defusedxml.xmlrpc')
    _x.monkey_patch = lambda: None
    _d.xmlrpc = _x
    sys.modules['defusedxml'] = _d
    sys.modules['defusedxml.xmlrpc'] = _x

import koji  # noqa: E402
from koji.xmlrpcplus import ExtendedMarshaller, Fault, dumps  # noqa: E402


class Marshaller(ExtendedMarshaller):
    """kojihub/kojixmlrpc.py's Marshaller: datetimes as strings."""

    dispatch = ExtendedMarshaller.dispatch.copy()

    def dump_datetime(self, value, write):
        value = value.isoformat(' ')
        self.dump_unicode(value, write)
    dispatch[datetime.datetime] = dump_datetime


def response(result):
    """The hub's answer, as kojixmlrpc.ModXMLRPCRequestHandler._wrap_handler
    writes it (a GenericError's fault string is str(e))."""
    if isinstance(result, koji.GenericError):
        return dumps(Fault(result.faultCode, str(result)), marshaller=Marshaller)
    if isinstance(result, Fault):
        return dumps(result, marshaller=Marshaller)
    return dumps((result,), methodresponse=1, marshaller=Marshaller)


def file_name(method, args, kwargs):
    """A response's file, named after its call: getTaskInfo-1001-request=True.xml."""
    parts = [method] + [str(a) for a in args] + ['%s=%s' % kv for kv in sorted(kwargs.items())]
    name = re.sub(r'[^A-Za-z0-9_.=+-]+', '_', '-'.join(parts))[:100]
    return name + '.xml'


def record(scenario):
    here = os.path.dirname(os.path.abspath(__file__))
    name = os.path.splitext(os.path.basename(scenario))[0]
    calls = runpy.run_path(scenario)['CALLS']
    out = os.path.join(here, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    index = []
    seen = set()
    for method, args, kwargs, result in calls:
        fname = file_name(method, args, kwargs)
        if fname in seen:
            sys.exit('%s: %s(%r, %r) is recorded twice' % (scenario, method, args, kwargs))
        seen.add(fname)
        with open(os.path.join(out, fname), 'w') as f:
            f.write(response(result))
        index.append({'method': method,
                      'params': list(koji.encode_args(*args, **kwargs)),
                      'response': fname})
    with open(os.path.join(out, 'calls.json'), 'w') as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write('\n')


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, 'offline.xml'), 'w') as f:
        f.write(dumps(Fault(koji.ServerOffline.faultCode, "server is offline")))
    for scenario in sys.argv[1:]:
        record(scenario)


if __name__ == '__main__':
    main()
