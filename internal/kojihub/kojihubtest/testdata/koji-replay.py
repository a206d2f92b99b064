"""The Koji hub of the `imgpipe koji replay` tests (cmd/imgpipe/testdata/
script/koji_replay*.txtar): record.py makes koji-replay/ from it.

The values are shaped as kojihub.py returns them (getTaskInfo,
getTaskChildren: Task.fields plus request; repoInfo: RepoQuery's fields;
listTaskOutput; downloadTaskOutput: base64 text), and the task requests as
the hub's buildImageOz and buildImage make them (buildImage for
livemedia, appliance and livecd)
([name, version, arches, target, inst_tree, opts] and [name, version, arch,
target, ksfile, opts]) and kojid's parents pass to their children ([name,
version, release, arch, target_info, build_tag, repo_info, inst_tree or
ksfile, opts]). The opts are what `koji image-build --config` (as pungi runs
it) and `koji spin-livemedia` / `spin-appliance` / `spin-livecd` send
(koji_cli/commands.py: _build_image_oz, _build_image).

Each call `imgpipe koji replay` makes is recorded with the arguments its
client sends: getTaskInfo(ID, True) passes request=True positionally. This
scenario takes tasks 125000001-125999999, repos 6000001-6000999.
"""

import base64

import koji
from koji import xmlrpcplus

CLOSED = koji.TASK_STATES['CLOSED']
FAILED = koji.TASK_STATES['FAILED']
PRIO = koji.PRIO_DEFAULT
OWNER = 3370  # releng
CHANNEL = {'image': 11, 'livecd': 12, 'livemedia': 14, 'appliance': 13, 'default': 1, 'createrepo': 2}


CALLS = []


def write(method, params, value):
    """Record the hub's answer to method(*params): a value, or a Fault."""
    CALLS.append((method, params, {}, value))


def task(id, method, request, parent=None, arch='noarch', label=None,
         channel='image', state=CLOSED, start='2024-10-27 06:12:31.118', host=None):
    return {
        'id': id, 'state': state,
        'create_time': '2024-10-27 06:12:30.509212+00:00', 'create_ts': 1730009550.50921,
        'start_time': start + '+00:00', 'start_ts': 1730009551.118,
        'completion_time': '2024-10-27 06:41:02.291+00:00', 'completion_ts': 1730011262.291,
        'channel_id': CHANNEL[channel], 'host_id': host, 'parent': parent,
        'label': label, 'waiting': None if parent else False, 'awaited': bool(parent),
        'owner': OWNER, 'method': method, 'arch': arch, 'priority': PRIO,
        'weight': 2.0 if parent else 0.2, 'request': request,
    }


def target(name, build_tag, build_tag_name, dest_tag, dest_tag_name):
    return {'id': 1700 + build_tag % 100, 'name': name,
            'build_tag': build_tag, 'build_tag_name': build_tag_name,
            'dest_tag': dest_tag, 'dest_tag_name': dest_tag_name}


def repo(id, tag_id, tag_name, state):
    return {'id': id, 'tag_id': tag_id, 'tag_name': tag_name, 'state': state,
            'create_event': 109231577, 'create_ts': 1730001500.1,
            'creation_time': '2024-10-27 03:58:20.1+00:00', 'creation_ts': 1730001500.1,
            'state_time': '2024-10-27 03:58:20.1+00:00', 'state_ts': 1730001500.1,
            'begin_event': None, 'begin_ts': None, 'end_event': None, 'end_ts': None,
            'dist': False, 'opts': {'src': False, 'debuginfo': False, 'separate_src': False},
            'custom_opts': None, 'task_id': id * 20 + 7,
            'task_state': CLOSED}


def checkout_log(repo_url, ref, abbrev, subject):
    return ('$ git clone -n %(url)s /var/lib/mock/f41-build-repo/root/chroot_tmpdir/scmroot/fedora-kickstarts\n'
            "Cloning into '/var/lib/mock/f41-build-repo/root/chroot_tmpdir/scmroot/fedora-kickstarts'...\n"
            '$ git fetch origin %(ref)s:KOJI_FETCH_HEAD\n'
            'From %(url)s\n'
            ' * [new branch]      %(ref)s        -> KOJI_FETCH_HEAD\n'
            '$ git reset --hard KOJI_FETCH_HEAD\n'
            'HEAD is now at %(abbrev)s %(subject)s\n') % {
                'url': repo_url, 'ref': ref, 'abbrev': abbrev, 'subject': subject}


def b64(s):
    return base64.b64encode(s.encode()).decode()


COMPOSE = 'https://kojipkgs.fedoraproject.org/compose/41/Fedora-41-20241027.0/compose'
KS_REPO = 'https://pagure.io/fedora-kickstarts.git'
KS_COMMIT = 'b4956c05028a088c641d0ce6e1a31b6d8b20176f'


def image_build():
    """An image-build task of a Fedora compose, as pungi submits it: two
    arches, aarch64 allowed to fail, the compose's Everything repo, ksurl
    pinned to a commit."""
    parent, x86, arm, tag = 125000001, 125000002, 125000003, 125000004
    opts = {
        'ksurl': 'git+%s?#%s' % (KS_REPO, KS_COMMIT),
        'kickstart': 'fedora-cloud-base.ks',
        'ksversion': 'DEVEL',
        'distro': 'Fedora-22',
        'format': ['qcow2', 'raw-xz', 'vagrant-libvirt'],
        'disk_size': '5',
        'release': '20241027.0',
        'repo': [COMPOSE + '/Everything/$arch/os'],
        'optional_arches': ['aarch64'],
        'ova_option': ['vagrant_sync_directory=/home/vagrant/sync', 'ovf_memory_mb=2048'],
        'factory_parameter': [('generate_icicle', 'False')],
    }
    tree = COMPOSE + '/Everything/$arch/os'
    req = ['Fedora-Cloud-Base', '41', ['x86_64', 'aarch64'], 'f41', tree, opts]
    tgt = target('f41', 15001, 'f41-build', 15000, 'f41')
    rinfo = repo(6000001, 15001, 'f41-build', koji.REPO_STATES['READY'])
    p = task(parent, 'image', req, arch='noarch')
    kids = []
    for id, arch, host in ((x86, 'x86_64', 501), (arm, 'aarch64', 612)):
        creq = ['Fedora-Cloud-Base', '41', '20241027.0', arch, tgt, 15001, rinfo,
                tree.replace('$arch', arch), opts]
        kids.append(task(id, 'createImage', creq, parent=parent, arch=arch, label=arch,
                         host=host, state=CLOSED if arch == 'x86_64' else FAILED))
    kids.append(task(tag, 'tagBuild', [15000, 2581234, False, None, True], parent=parent,
                     label='tag', channel='default', host=77))
    write('getTaskInfo', [parent, True], {k: v for k, v in p.items()})
    write('getTaskChildren', [parent, True], kids)
    # a child walks up to its parent
    write('getTaskInfo', [arm, True], kids[1])


def livemedia():
    """A spin-livemedia on two arches, the kickstart from a branch (resolved
    by the builders' checkouts), no --release (the hub picks 1), no --repo:
    the build tag's repo, since expired."""
    parent, x86, arm, tag = 125000101, 125000102, 125000103, 125000104
    opts = {
        'ksurl': 'git+%s?#f41' % KS_REPO,
        'ksversion': 'DEVEL',
        'install_tree_url': COMPOSE + '/Everything/$basearch/os/',
        'volid': 'Fedora-WS-Live-41',
        'optional_arches': [],
        'nomacboot': True,
        'compress_arg': ['-Xbcj x86', '-b 1M'],
    }
    req = ['Fedora-Workstation-Live', '41', ['x86_64', 'aarch64'], 'f41',
           'fedora-live-workstation.ks', opts]
    tgt = target('f41', 15001, 'f41-build', 15000, 'f41')
    rinfo = repo(6000101, 15001, 'f41-build', koji.REPO_STATES['READY'])
    p = task(parent, 'livemedia', req, channel='livemedia')
    kids = []
    for id, arch, host in ((x86, 'x86_64', 503), (arm, 'aarch64', 614)):
        # the release initImageBuild gave the build
        creq = ['Fedora-Workstation-Live', '41', '1', arch, tgt, 15001, rinfo,
                'fedora-live-workstation.ks', opts]
        kids.append(task(id, 'createLiveMedia', creq, parent=parent, arch=arch,
                         label='livemedia %s' % arch, channel='livemedia', host=host))
    kids.append(task(tag, 'tagBuild', [15000, 2581270, False, None, True], parent=parent,
                     label='tag', channel='default', host=77))
    write('getTaskInfo', [parent, True], p)
    write('getTaskChildren', [parent, True], kids)
    # the repo has expired since: still on disk until Koji's repo cleanup
    write('repoInfo', [6000101], dict(repo(6000101, 15001, 'f41-build', koji.REPO_STATES['EXPIRED'])))
    for id in (x86, arm):
        write('listTaskOutput', [id], [
            'checkout.log', 'fedora-live-workstation.ks',
            'koji-image-f41-build-%d.ks' % id, 'livemedia-out.log', 'mock_output.log'])
        write('downloadTaskOutput', [id, 'checkout.log'],
              b64(checkout_log(KS_REPO, 'f41', '3c2f1e0a9b7d',
                               'Workstation: drop the old logo package')))


APPLIANCE_KS = """\
# fedora-minimal-appliance.ks
lang en_US.UTF-8
keyboard us
timezone UTC
rootpw --lock
selinux --enforcing
bootloader --timeout=1
part / --size 2048 --fstype ext4
repo --name=fedora --mirrorlist=https://mirrors.fedoraproject.org/mirrorlist?repo=fedora-41&arch=$basearch
%packages
@core
kernel
%end
"""


def appliance():
    """A scratch spin-appliance (one arch) from a local kickstart, which the
    koji CLI uploaded, without --repo: the build tag's repo, since
    deleted."""
    parent, x86 = 125000201, 125000202
    opts = {
        'ksversion': 'F41',
        'scratch': True,
        'release': '3',
        'format': 'qcow2',
        'vmem': '2048',
        'vcpu': '2',
    }
    # _build_image: session.uploadWrapper into unique_path('cli-appliance')
    ksfile = 'cli-appliance/1730009412.551823.kJqLmTzD/fedora-minimal-appliance.ks'
    req = ['fedora-minimal-appliance', '41', 'x86_64', 'f41-appliance', ksfile, opts]
    tgt = target('f41-appliance', 15101, 'f41-appliance-build', 15100, 'f41-appliance')
    rinfo = repo(6000201, 15101, 'f41-appliance-build', koji.REPO_STATES['READY'])
    p = task(parent, 'appliance', req, arch='x86_64', channel='appliance')
    kids = [
        task(x86, 'createAppliance', ['fedora-minimal-appliance', '41', '3', 'x86_64', tgt,
                                      15101, rinfo, ksfile, opts],
             parent=parent, arch='x86_64', label='appliance', channel='appliance', host=505),
    ]
    write('getTaskInfo', [parent, True], p)
    write('getTaskChildren', [parent, True], kids)
    write('getTaskInfo', [x86, True], kids[0])
    deleted = repo(6000201, 15101, 'f41-appliance-build', koji.REPO_STATES['DELETED'])
    write('repoInfo', [6000201], deleted)
    # kojid's ImageTask.fetchKickstart uploads the original kickstart
    write('listTaskOutput', [x86], [
        'fedora-minimal-appliance.ks', 'koji-image-f41-appliance-build-%d.ks' % x86,
        'appliance.log', 'mock_output.log', 'root.log'])
    write('downloadTaskOutput', [x86, 'fedora-minimal-appliance.ks'], b64(APPLIANCE_KS))


def image_build_cli():
    """An image-build task as `koji image-build` submits it from the command
    line: --can-fail as one comma string, the default disk size as the
    integer 10, no --format (an empty list), no --repo (the build tag's
    repo), and a ksurl on a branch that moved between the two builders'
    checkouts."""
    parent, x86, arm = 125000401, 125000402, 125000403
    opts = {
        'ksurl': 'git+%s?#main' % KS_REPO,
        'kickstart': 'fedora-container-base.ks',
        'distro': 'Fedora-41',
        'format': [],
        'disk_size': 10,
        'optional_arches': 'aarch64',
        'scratch': True,
    }
    tree = COMPOSE + '/Everything/$arch/os/'
    req = ['Fedora-Container-Base', '41', ['x86_64', 'aarch64'], 'f41', tree, opts]
    tgt = target('f41', 15001, 'f41-build', 15000, 'f41')
    rinfo = repo(6000401, 15001, 'f41-build', koji.REPO_STATES['READY'])
    write('getTaskInfo', [parent, True], task(parent, 'image', req))
    kids = []
    for id, arch, host, commit in ((x86, 'x86_64', 501, '5d0c3b1f2e4a'), (arm, 'aarch64', 612, '8e7f6a5b4c3d')):
        creq = ['Fedora-Container-Base', '41', '20241027.n.0', arch, tgt, 15001, rinfo,
                tree.replace('$arch', arch), opts]
        kids.append(task(id, 'createImage', creq, parent=parent, arch=arch, label=arch, host=host))
        log = 'checkout-%s.log' % arch
        write('listTaskOutput', [id], [log, 'fedora-container-base.ks', 'oz-%s.log' % arch])
        write('downloadTaskOutput', [id, log], b64(checkout_log(KS_REPO, 'main', commit, 'Container: trim docs')))
    write('getTaskChildren', [parent, True], kids)
    write('repoInfo', [6000401], repo(6000401, 15001, 'f41-build', koji.REPO_STATES['READY']))


def image_build_failed():
    """A failed image-build task: its distro, "Fedora" without a release,
    is not one Koji's parseDistro reads, so its builder failed."""
    parent, x86 = 125000501, 125000502
    opts = {
        'ksurl': 'git+%s?#%s' % (KS_REPO, KS_COMMIT),
        'kickstart': 'fedora-cloud-base.ks',
        'distro': 'Fedora',
        'format': ['qcow2'],
        'disk_size': '5',
        'repo': [COMPOSE + '/Everything/$arch/os'],
        'scratch': True,
    }
    tree = COMPOSE + '/Everything/$arch/os'
    req = ['Fedora-Cloud-Base', '41', ['x86_64'], 'f41', tree, opts]
    tgt = target('f41', 15001, 'f41-build', 15000, 'f41')
    rinfo = repo(6000001, 15001, 'f41-build', koji.REPO_STATES['READY'])
    write('getTaskInfo', [parent, True], task(parent, 'image', req, state=FAILED))
    creq = ['Fedora-Cloud-Base', '41', '20241027.n.1', 'x86_64', tgt, 15001, rinfo,
            tree.replace('$arch', 'x86_64'), opts]
    write('getTaskChildren', [parent, True], [
        task(x86, 'createImage', creq, parent=parent, arch='x86_64', label='x86_64', host=501,
             state=FAILED)])


def livecd():
    """A spin-livecd (one arch) of a kickstart in git at a full commit, with
    --repo, --volid and --skip-tag, no --release: kojid's BuildLiveCDTask
    asks the hub's getNextRelease (1) and passes it to its createLiveCD
    child. Options as _build_image passes them: only the ones given."""
    parent, x86 = 125000601, 125000602
    opts = {
        'ksurl': 'git+%s?#%s' % (KS_REPO, KS_COMMIT),
        'ksversion': 'DEVEL',
        'repo': [COMPOSE + '/Everything/x86_64/os/'],
        'volid': 'Fedora-Xfce-Live-41',
        'skip_tag': True,
    }
    req = ['Fedora-Xfce-Live', '41', 'x86_64', 'f41', 'fedora-live-xfce.ks', opts]
    tgt = target('f41', 15001, 'f41-build', 15000, 'f41')
    rinfo = repo(6000601, 15001, 'f41-build', koji.REPO_STATES['READY'])
    p = task(parent, 'livecd', req, arch='x86_64', channel='livecd')
    kids = [
        task(x86, 'createLiveCD', ['Fedora-Xfce-Live', '41', '1', 'x86_64', tgt, 15001, rinfo,
                                   'fedora-live-xfce.ks', opts],
             parent=parent, arch='x86_64', label='livecd', channel='livecd', host=507),
    ]
    write('getTaskInfo', [parent, True], p)
    write('getTaskChildren', [parent, True], kids)
    write('getTaskInfo', [x86, True], kids[0])


def bad_inputs():
    # An RPM build: replay reproduces image tasks only.
    b = task(125000301, 'build', ['git+https://src.fedoraproject.org/rpms/bash.git#'
                                  '0d1b6fa9a3b4cbe1b0d3d5a0f2e4c8d7e6f5a4b3',
                                  'f41-candidate', {}], channel='default')
    write('getTaskInfo', [125000301, True], b)
    # No such task: the hub answers nil (strict=False).
    write('getTaskInfo', [125999999, True], None)
    # A hub that faults.
    write('getTaskInfo', [125000666, True], xmlrpcplus.Fault(
        1014, 'ServerOffline: database outage'))


image_build()
image_build_cli()
image_build_failed()
livemedia()
appliance()
livecd()
bad_inputs()
