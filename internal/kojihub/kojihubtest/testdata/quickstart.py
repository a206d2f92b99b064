"""Koji's side of examples/quickstart, for `imgpipe koji diff` (README.md).

The local packages are those the quickstart installs from the hermetic
install tree (fixtures/), as its published metadata.json lists them.
"""

import copy

import koji

NAME, VERSION, RELEASE = 'quickstart', '1', '1'
NVR = '%s-%s-%s' % (NAME, VERSION, RELEASE)


def pkg(name, version, release, arch, epoch, size, payloadhash):
    return {'name': name, 'version': version, 'release': release, 'arch': arch,
            'epoch': epoch, 'size': size, 'payloadhash': payloadhash,
            'buildtime': 1700000000}


# The quickstart's packages, per arch.
LOCAL = {
    'x86_64': [
        pkg('busybox', '1.35.0', '4.fx1', 'x86_64', 1, 1982256, '206e152c93fabd93bc094195b4721d8b'),
        pkg('filesystem', '3.18', '6.fx1', 'x86_64', None, 351, '15ab29d70eaa5eb2f928abded7f41593'),
        pkg('fixture-tools', '1.0', '1.fx1', 'x86_64', None, 6820002, '096bd1526caa9c2b32ce64dc80ad09af'),
        pkg('hello', '2.12.1', '1.fx1', 'noarch', None, 31, '4dcd2b0e88f749948dafb4c198e89350'),
        pkg('rpm', '4.18.2', '1.fx1', 'x86_64', None, 0, '9252ed3926f3ee24f5c10cce0f86822c'),
        pkg('systemd', '253.4', '1.fx1', 'x86_64', None, 0, '2bc602377c464c5e06c487387f8752d4'),
        pkg('tree', '2.1.0', '2.fx1', 'x86_64', None, 30, '8852b0d4480240fb75ff03926852bc0c'),
    ],
    'aarch64': [
        pkg('busybox', '1.35.0', '4.fx1', 'aarch64', 1, 1846504, 'ebff362ab17906b2c2edc936e35577c6'),
        pkg('filesystem', '3.18', '6.fx1', 'aarch64', None, 351, '3dbce21163fea657ad3ede67cb033673'),
        pkg('fixture-tools', '1.0', '1.fx1', 'aarch64', None, 6357154, 'aa2fe445891a0ffc2a7d9db7de6c3928'),
        pkg('hello', '2.12.1', '1.fx1', 'noarch', None, 31, '4dcd2b0e88f749948dafb4c198e89350'),
        pkg('rpm', '4.18.2', '1.fx1', 'aarch64', None, 0, '72642cb5acc05a077154e223fb7ca875'),
        pkg('systemd', '253.4', '1.fx1', 'aarch64', None, 0, '07a3a0084b64c5ca1f0b5c0076fd563e'),
        pkg('tree', '2.1.0', '2.fx1', 'aarch64', None, 30, '2d450c02b32e51ba1cdca92030ea691a'),
    ],
}

# fixture-tools holds tools built from imgpipe's own source (fixtures/), so
# its sigmd5 changes with them: Koji's side records none for it (sigmd5s
# are compared only where both sides have one).
for arch in LOCAL:
    for p in LOCAL[arch]:
        if p['name'] == 'fixture-tools':
            p['payloadhash'] = ''

# Koji's build of the same N-V-R, x86_64 only: nano added, tree removed,
# hello at an older version (the local build upgraded it).
KOJI_X86 = [copy.deepcopy(p) for p in LOCAL['x86_64'] if p['name'] != 'tree']
for p in KOJI_X86:
    if p['name'] == 'hello':
        p.update(version='2.12', payloadhash='0c6d1e1ea2b0c1b2cdd2c3c1c0ffee00')
KOJI_X86.append(pkg('nano', '7.2', '1.fx1', 'x86_64', None, 2713000, '5e1f7ab6d3c2b1a09f8e7d6c5b4a3928'))
KOJI_X86.sort(key=lambda p: p['name'])

IMAGES = ['qcow2', 'vsphere.ova', 'vagrant-libvirt.box']
TYPES = {'qcow2': 'qcow2', 'vsphere.ova': 'ova', 'vagrant-libvirt.box': 'vagrant-libvirt'}


def files(arch):
    """A createImage result's files: TDL, kickstarts, libvirt XML, images."""
    out = ['tdl-%s.xml' % arch, 'quickstart.ks', 'koji-image-quickstart-1-1.ks']
    for ext in IMAGES:
        out.append('libvirt-%s-%s.xml' % (ext.split('.')[-1], arch))
        out.append('%s.%s.%s' % (NVR, arch, ext))
    return out


def task(tid, method, arch, parent=None, label=None, state=koji.TASK_STATES['CLOSED']):
    return {'id': tid, 'method': method, 'state': state, 'parent': parent,
            'arch': arch, 'label': label, 'owner': 7, 'channel_id': 4,
            'host_id': 12, 'priority': 20, 'weight': 2.0, 'waiting': None,
            'awaited': None, 'create_time': '2024-05-01 10:00:00.000000+00:00',
            'create_ts': 1714557600.0, 'start_time': '2024-05-01 10:00:05.000000+00:00',
            'start_ts': 1714557605.0, 'completion_time': '2024-05-01 10:40:00.000000+00:00',
            'completion_ts': 1714560000.0}


def imgdata(tid, arch, rpms):
    return {'arch': arch, 'task_id': tid, 'logs': ['oz-%s.log' % arch],
            'name': NAME, 'version': VERSION, 'release': RELEASE,
            'rpmlist': rpms, 'files': files(arch)}


def archive(aid, arch, ext):
    return {'id': aid, 'type_id': 30, 'btype_id': 4, 'btype': 'image', 'build_id': 501,
            'buildroot_id': None, 'filename': '%s.%s.%s' % (NVR, arch, ext),
            'size': 1 << 30, 'checksum': '%032x' % aid, 'checksum_type': 0,
            'metadata_only': False, 'extra': None, 'type_name': TYPES[ext],
            'type_description': TYPES[ext] + ' image', 'type_extensions': ext,
            'compression_type': None, 'arch': arch}


def rpm_row(i, p):
    row = dict(p)
    row.update(id=80000 + i, build_id=40000 + i, buildroot_id=None, draft=False,
               external_repo_id=0, external_repo_name='INTERNAL', metadata_only=False,
               nvr='%(name)s-%(version)s-%(release)s' % p, extra=None)
    return row


BUILD = {'id': 501, 'build_id': 501, 'package_id': 77, 'package_name': NAME,
         'name': NAME, 'version': VERSION, 'release': RELEASE, 'epoch': None,
         'nvr': NVR, 'state': 1, 'task_id': 1001, 'owner_id': 7,
         'owner_name': 'kojiadmin', 'volume_id': 0, 'volume_name': 'DEFAULT',
         'source': None, 'extra': None, 'draft': False, 'cg_id': None, 'cg_name': None,
         'creation_event_id': 900, 'creation_time': '2024-05-01 10:41:00.000000+00:00',
         'creation_ts': 1714560060.0, 'completion_time': '2024-05-01 10:41:30.000000+00:00',
         'completion_ts': 1714560090.0, 'start_time': None, 'start_ts': None}

ARCHIVES = [archive(9001 + i, 'x86_64', ext) for i, ext in enumerate(IMAGES)]

CALLS = [
    # The build quickstart-1-1 by its N-V-R: images, and the package list
    # of each.
    ('getBuild', (NVR,), {}, BUILD),
    ('listArchives', (), {'buildID': 501, 'type': 'image'}, ARCHIVES),
    ('listRPMs', (), {'imageID': 9001}, [rpm_row(i, p) for i, p in enumerate(KOJI_X86)]),
    ('getBuild', ('quickstart-1-9',), {}, None),

    # Its task, 1001: an image task with one createImage child; with its
    # request, as `koji call getTaskInfo 1001 request=True` shows it.
    ('getTaskInfo', (1001,), {}, task(1001, 'image', 'noarch')),
    ('getTaskInfo', (1001,), {'request': True}, dict(task(1001, 'image', 'noarch'), request=[
        NAME, VERSION, ['x86_64'], 'f40-candidate', 'https://example.org/$arch/os/',
        {'ksurl': 'git+https://example.org/quickstart.git#0123456789abcdef0123456789abcdef01234567',
         'kickstart': 'quickstart.ks', 'format': ['qcow2', 'vsphere-ova', 'vagrant-libvirt'],
         'disk_size': '4', 'distro': 'Fedora-40', 'release': None, 'scratch': False,
         'optional_arches': []}])),
    ('getTaskInfo', (1002,), {}, task(1002, 'createImage', 'x86_64', parent=1001, label='x86_64')),
    ('getTaskChildren', (1001,), {}, [task(1002, 'createImage', 'x86_64', parent=1001, label='x86_64'),
                                      task(1007, 'tagBuild', 'noarch', parent=1001, label='tag')]),
    ('getTaskResult', (1002,), {}, imgdata(1002, 'x86_64', KOJI_X86)),

    # A scratch image task of both arches with exactly the quickstart's
    # packages.
    ('getTaskInfo', (1003,), {}, task(1003, 'image', 'noarch')),
    ('getTaskChildren', (1003,), {}, [task(1004, 'createImage', 'x86_64', parent=1003, label='x86_64'),
                                      task(1005, 'createImage', 'aarch64', parent=1003, label='aarch64')]),
    ('getTaskResult', (1004,), {}, imgdata(1004, 'x86_64', LOCAL['x86_64'])),
    ('getTaskResult', (1005,), {}, imgdata(1005, 'aarch64', LOCAL['aarch64'])),

    # The same, x86_64 only.
    ('getTaskInfo', (1006,), {}, task(1006, 'image', 'noarch')),
    ('getTaskChildren', (1006,), {}, [task(1008, 'createImage', 'x86_64', parent=1006, label='x86_64')]),
    ('getTaskResult', (1008,), {}, imgdata(1008, 'x86_64', LOCAL['x86_64'])),

    # A task of another method, an unknown task, a canceled image task.
    ('getTaskInfo', (2001,), {}, task(2001, 'build', 'noarch')),
    ('getTaskInfo', (999999,), {}, None),
    ('getTaskInfo', (1010,), {}, task(1010, 'image', 'noarch', state=koji.TASK_STATES['CANCELED'])),
    ('getTaskChildren', (1010,), {}, [task(1011, 'createImage', 'x86_64', parent=1010, label='x86_64',
                                           state=koji.TASK_STATES['CANCELED'])]),
    ('getTaskResult', (1011,), {}, koji.GenericError('Task 1011 is canceled')),
]
