"""Every XML-RPC type Koji's hub sends, for the client's codec tests.

One call, echo('types'), answers a struct of them as
kojihub/kojixmlrpc.py's Marshaller writes them: nil, booleans, 32-bit
ints, i8 beyond 32 bits, doubles, strings with markup and non-ASCII,
base64 (xmlrpc Binary), dateTime.iso8601 (xmlrpc DateTime), a
datetime.datetime (the hub sends it as a string), nested arrays and
structs.
"""

import datetime

from koji.xmlrpcplus import DateTime, xmlrpc_client

VALUE = {
    'nil': None,
    'true': True,
    'false': False,
    'int': 42,
    'negative': -2147483648,
    'i8': 2 ** 40,
    'i8max': 2 ** 63 - 1,
    'i8min': -2 ** 63,
    'double': 2.5,
    'string': 'x < y & "z" \u00e9\u4e2d',
    'empty': '',
    'binary': xmlrpc_client.Binary(b'\x00\x01binary\xff'),
    'date': DateTime('20240501T10:00:00'),
    'datetime': datetime.datetime(2024, 5, 1, 10, 0, 0),
    'list': [1, 'two', [None, {'three': 3}]],
    'struct': {'__starstar': True, 'nested': {'deep': []}},
}

CALLS = [
    ('echo', ('types',), {}, VALUE),
    ('echo', ('kwargs', 2 ** 40, None), {'request': True, 'strict': False}, 'ok'),
]
