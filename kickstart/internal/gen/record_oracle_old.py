#!/usr/bin/env python3
"""Record pykickstart's own output for the oracle test (oracle_test.go).

The inputs are every command line pykickstart's tests/commands/*.py hand to
assert_parse and assert_parse_error (each test run, its inputs captured),
plus a few multi-line cases; for each version named on the command line and
each input whose command that version knows, it writes one JSON line
{"v": version, "in": kickstart, "out": str(handler) or "ERROR"}, as
tools/ksflatten.py prints it ("ERROR" also when pykickstart crashes, as
ksflatten then fails too). It works for any version, not only the old ones.

Usage, from the repository root, with a pykickstart checkout (its tests/
directory is read):

    PYTHONPATH=<checkout> python3 kickstart/internal/gen/record_oracle_old.py FC3 RHEL3 \
        > /tmp/oracle-old.jsonl
    (KS_INPUTS_CACHE=<file> keeps the collected inputs between runs: running
    the tests takes minutes.)
    IMGPIPE_KS_ORACLE=/tmp/oracle-old.jsonl go test -tags oracle ./kickstart/ -run TestOracleCases
"""
import io
import json
import os
import sys
import unittest
import warnings
import contextlib

from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion

EXTRA = [
    "part / --size=100\npart / --size=200\n",
    "part swap --recommended\npart /boot --size=200 --ondisk=sda --asprimary\n",
    "raid / --level=1 --device=md0 raid.01 raid.02\nraid / --level=0 --device=md0 raid.03\n",
    "volgroup vg pv.01\nvolgroup vg pv.02\nlogvol / --vgname=vg --name=root --size=1\nlogvol /home --vgname=vg --name=root --size=1\n",
    "network --device=eth0 --bootproto=dhcp\nnetwork --device=eth0 --bootproto=static --ip=1.2.3.4\nnetwork --hostname=h\n",
    "repo --name=a --baseurl=http://a/\nrepo --name=a --baseurl=http://b/\n",
    "user --name=u\nuser --name=u --password=p\n",
    "zfcp --devnum=1 --wwpn=2 --fcplun=3\nzfcp --devnum=1 --wwpn=2 --fcplun=3\n",
    "driverdisk sda1\ndriverdisk --source=http://x/dd.img\n",
    "rootpw --iscrypted abc\nrootpw def\n",
    "lang en_US\nlang cs_CZ\nkeyboard us\nmouse generic\n",
    "bootloader --location=mbr\nbootloader --append=x\n",
    "firewall --enabled --trust=eth0\nfirewall --disabled\n",
    "xconfig --startxonboot\nxconfig --depth=16\n",
    "clearpart --all\nclearpart --none\n",
    "install\nupgrade\n",
    "cdrom\nnfs --server=a --dir=/b\nurl --url=http://c/\n",
    "%pre\necho hi\n%end\n%post --nochroot\necho x\n%end\n%packages\n@core\n-foo\nbar\n%end\n",
    "%packages --resolvedeps --ignoredeps\n@base\n%end\n",
    "%packages --nobase\n@base\n%end\n",
    "%packages --excludedocs --ignoremissing\n*\n%end\n",
    "%traceback\necho x\n%end\n",
    "%post --interpreter=/usr/bin/python --log=/tmp/x\nprint(1)\n%end\n",
    "auth --useshadow --enablemd5\nauthconfig --enablenis\n",
    "device scsi aic7xxx --opts=\"a b\"\ndevice eth e100\n",
    "text\ngraphical\ncmdline\n",
    "reboot\npoweroff\nhalt\nshutdown\n",
    "vnc --password=x\nvnc --connect=h:1\n",
    "monitor --hsync=1 --vsync=2 --monitor=m\nmonitor --noprobe\n",
    # Before F8 sections need no %end: the file or the next header ends them.
    "%pre\necho a\n%post\necho b\n%packages\n@base\nfoo\n",
    "%packages\nfoo\n%pre\necho a\n\n",
    "%post --nochroot\necho a\n%end\n%packages --ignoremissing\n",
    "%pre\necho a\n%pre\necho b\n%end\n%post\n",
    "%packages\n@core\n%packages --excludedocs\nbar\n",
    "%packages --default\n%end\n",
    "%packages --nobase --default\n%end\n",
    "%packages --instLangs=cs\n%end\n",
    "%packages --multilib --nocore\n%end\n",
    "%packages --nocore\n%end\n",
    "%packages --timeout=5 --retries=2 --excludeWeakdeps\n%end\n",
    "%pre\necho a\n%end\nrootpw x\n%post\n",
    "%traceback\n%onerror\necho\n",
    "multipath --name=a --device=sda --rule=r\nmultipath --name=b --device=sdb --rule=r\nmultipath --name=b --device=sdc --rule=r\n",
    "multipath --name=a --device=sda --rule=r\nmultipath --name=a --device=sdb --rule=r\n",
    "multipath --name=a --device=sda --rule=r\nmultipath --name=b --device=sda --rule=r\n",
    "multipath --name=a --device=sda --rule=r\nmultipath --name=b --device=sdb --rule=r\nmultipath --name=b --device=sdc --rule=r\nmultipath --name=c --device=sdd --rule=r\n",
    "dmraid --name=/dev/a --dev=sda --dev=sdb\ndmraid --name=a --dev=sda --dev=sdb\n",
    "vnc --connect=h:5 --password=p\nvnc --host=x --connect=y\n",
    "raid / --level=1 --device=md0 raid.01\n",
    "raid / --level=10 --device=1 raid.01\nraid /a --level=4 --device=2 raid.02\n",
    "raid / --useexisting --device=3\nraid / --noformat --device=3\n",
]


def collect(testdir):
    import tests.baseclass as bc
    inputs = []

    def rec(orig):
        def f(self, s, *a, **k):
            inputs.append(s)
            return orig(self, s, *a, **k)
        return f
    for cls in (bc.CommandTest, bc.ParserTest):
        cls.assert_parse = rec(cls.assert_parse)
        cls.assert_parse_error = rec(cls.assert_parse_error)
    suite = unittest.defaultTestLoader.discover(os.path.join(testdir, 'commands'), pattern='*.py', top_level_dir=os.path.dirname(testdir))
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        unittest.TextTestRunner(stream=io.StringIO()).run(suite)
    return inputs


def flatten(v, s):
    h = makeVersion(v)
    p = KickstartParser(h)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            p.readKickstartFromString(s)
            return str(h)
        except Exception:  # a crash (TypeError, AttributeError) fails ksflatten too
            return 'ERROR'


def main():
    import pykickstart
    root = os.path.dirname(os.path.dirname(os.path.abspath(pykickstart.__file__)))
    sys.path.insert(0, root)
    cache = os.environ.get('KS_INPUTS_CACHE')
    if cache and os.path.exists(cache):
        with open(cache) as f:
            inputs = json.load(f)
    else:
        inputs = collect(os.path.join(root, 'tests'))
        if cache:
            with open(cache, 'w') as f:
                json.dump(inputs, f)
    seen = set()
    uniq = []
    for s in inputs + EXTRA:
        if isinstance(s, str) and s not in seen:
            seen.add(s)
            uniq.append(s)
    for v in sys.argv[1:]:
        cmds = makeVersion(v).commands
        n = 0
        for s in uniq:
            words = s.split()
            if not words or (words[0] not in cmds and not words[0].startswith('%')):
                continue
            print(json.dumps({'v': v, 'in': s if s.endswith('\n') else s + '\n', 'out': flatten(v, s if s.endswith('\n') else s + '\n')}))
            n += 1
        print('%s: %d cases' % (v, n), file=sys.stderr)


main()
