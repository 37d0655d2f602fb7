# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A table of bad inputs across every module and the inventory plugin.

Each must fail with a message naming the problem, without a traceback, and
leave the simulator's state byte-for-byte as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import packages
from ams_e2e import simulator_dump

IMAGE, ADDON, APP, NODE = 'bad-in-image', 'bad-in-addon', 'bad-in-app', 'bad-in-node'


def _bad_inputs(files, connection):
    """(case, module, args, fragments the message must hold)."""

    def app(**overrides):
        return dict({'name': APP, 'src': files['app']}, **overrides)

    cases = [
        # ams_config
        ('config-unknown-item', 'ams_config', {'config': {'no.such.item': 1}}, ['no.such.item']),
        ('config-boolean-word', 'ams_config', {'config': {'application.auto_publish': 'perhaps'}}, ['true or false']),
        ('config-number-word', 'ams_config', {'config': {'application.max_published_versions': 'many'}}, ['number']),
        ('config-not-a-dict', 'ams_config', {'config': ['scheduler.strategy', 'binpack']}, ['config']),
        # ams_certificate
        ('cert-malformed-pem', 'ams_certificate',
         {'certificate': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'}, ['malformed']),
        ('cert-not-pem', 'ams_certificate', {'certificate': 'hello'}, ['no PEM certificate']),
        ('cert-missing-file', 'ams_certificate', {'certificate_path': files['missing']}, ['cannot be read']),
        ('cert-bad-fingerprint', 'ams_certificate', {'fingerprint': 'xyz', 'state': 'absent'}, ['64 hex digits']),
        ('cert-conflicting-options', 'ams_certificate',
         {'certificate_path': connection['client_cert'], 'fingerprint': 'a' * 64}, ['mutually exclusive']),
        ('cert-absent-without-id', 'ams_certificate', {'state': 'absent'}, ['certificate', 'fingerprint']),
        # connection options (through ams_server_info)
        ('url-plain-http', 'ams_server_info', {'url': 'http://127.0.0.1:8444'}, ['plain http']),
        ('url-unknown-scheme', 'ams_server_info', {'url': 'ftp://127.0.0.1'}, ['not understood']),
        ('url-relative-socket', 'ams_server_info', {'url': 'unix:run/ams.socket'}, ['absolute path']),
        ('url-bad-port', 'ams_server_info', {'url': 'https://127.0.0.1:eighty'}, ['port']),
        ('url-unreachable', 'ams_server_info', {'url': 'https://127.0.0.1:1', 'request_timeout': 5},
         ['connection refused']),
        ('cert-without-key', 'ams_server_info', {'client_key': None}, ['together']),
        ('ca-not-a-cert', 'ams_server_info', {'ca_cert': files['text']}, ['no PEM certificate']),
        ('timeout-zero', 'ams_server_info', {'request_timeout': 0}, ['request_timeout']),
        ('timeout-word', 'ams_server_info', {'request_timeout': 'soon'}, ['request_timeout']),
        # ams_image
        ('image-missing-src', 'ams_image', {'name': IMAGE, 'src': files['missing']}, ['missing']),
        ('image-not-an-archive', 'ams_image', {'name': IMAGE, 'src': files['text']}, [files['text']]),
        ('image-no-metadata', 'ams_image', {'name': IMAGE, 'src': files['image_no_metadata']}, ['metadata.yaml']),
        ('image-version-word', 'ams_image', {'name': IMAGE, 'state': 'absent', 'version': 'latest'}, ['version']),
        ('image-no-name', 'ams_image', {'src': files['image']}, ['name']),
        ('image-unset-default', 'ams_image', {'name': IMAGE, 'default': False}, ['default', 'another image']),
        # ams_addon
        ('addon-no-manifest', 'ams_addon', {'name': ADDON, 'src': files['addon_no_manifest']}, ['manifest.yaml']),
        ('addon-bad-yaml', 'ams_addon', {'name': ADDON, 'src': files['addon_bad_yaml']}, ['YAML']),
        ('addon-other-name', 'ams_addon', {'name': ADDON, 'src': files['addon_other_name']}, ['someone-else']),
        ('addon-no-hooks', 'ams_addon', {'name': ADDON, 'src': files['addon_no_hooks']}, ['hook']),
        ('addon-missing-src', 'ams_addon', {'name': ADDON, 'src': files['missing']}, ['missing']),
        # ams_application
        ('app-missing-src', 'ams_application', app(src=files['missing']), ['missing']),
        ('app-wrong-archive-kind', 'ams_application', app(src=files['app_gzip']), ['.tar.gz archive']),
        ('app-no-manifest', 'ams_application', app(src=files['empty_dir']), ['manifest.yaml']),
        ('app-bad-yaml', 'ams_application', app(src=files['app_bad_yaml']), ['YAML']),
        ('app-other-name', 'ams_application', app(src=files['app_other_name']), ['someone-else']),
        ('app-unknown-instance-type', 'ams_application', app(src=files['app_bad_instance']), ['z9.9']),
        ('app-unknown-image', 'ams_application', app(src=files['app_unknown_image']), ['no-such-image']),
        ('app-unknown-addon', 'ams_application', app(src=files['app_unknown_addon']), ['no-such-addon']),
        ('app-instance-type-option', 'ams_application', {'name': APP, 'instance_type': 'huge'}, ['instance_type']),
        ('app-resources-not-dict', 'ams_application', {'name': APP, 'resources': 'lots'}, ['resources']),
        ('app-resources-unknown-key', 'ams_application', {'name': APP, 'resources': {'cpu': 2}}, ['cpu', 'cpus']),
        ('app-resources-bad-size', 'ams_application', {'name': APP, 'resources': {'memory': 'lots'}},
         ['resources.memory', 'lots']),
        # ams_application_version
        ('version-unknown-app', 'ams_application_version',
         {'application': 'no-such-app', 'version': 0, 'state': 'published'}, ['no-such-app']),
        ('version-unknown-number', 'ams_application_version',
         {'application': APP, 'version': 99, 'state': 'published'}, ['99']),
        ('version-bad-state', 'ams_application_version',
         {'application': APP, 'version': 0, 'state': 'hidden'}, ['state']),
        # ams_node
        ('node-without-address', 'ams_node', {'name': 'bad-in-new-node'}, ['address']),
        ('node-creation-only-field', 'ams_node', {'name': NODE, 'address': '10.9.9.9'}, ['address']),
        ('node-cpus-word', 'ams_node', {'name': NODE, 'cpus': 'many'}, ['cpus']),
        # ams_container
        ('container-negative-count', 'ams_container', {'application': APP, 'count': -1}, ['count']),
        ('container-unknown-app', 'ams_container', {'application': 'no-such-app', 'count': 1}, ['no-such-app']),
        ('container-app-and-image', 'ams_container',
         {'application': APP, 'image': IMAGE, 'count': 1}, ['mutually exclusive']),
        ('container-image-without-type', 'ams_container', {'image': IMAGE, 'count': 1}, ['instance_type']),
        ('container-no-selector', 'ams_container', {'count': 2}, ['application', 'image']),
        # info modules
        ('container-info-bad-status', 'ams_container_info', {'status': ['sleepy']}, ['sleepy']),
        ('node-info-bad-url', 'ams_node_info', {'url': 'gopher://ams'}, ['not understood']),
    ]
    for _case, _module, args, _fragments in cases:
        for key, value in connection.items():
            args.setdefault(key, value)
        for key in [key for key, value in args.items() if value is None]:
            del args[key]
    return cases


@pytest.fixture(scope='module')
def world(tmp_path_factory, request):
    """A simulator holding an image, an addon, a ready application and a node; and package files."""
    from ams_simulator.testing import SimulatorProcess, make_client_cert
    from ams_e2e import AnsibleRunner, collections_tree

    base = tmp_path_factory.mktemp('bad-input')
    cert, key, _fingerprint = make_client_cert(str(base / 'client'))
    simulator = SimulatorProcess(str(base / 'state'), extra_args=['--trust-cert', cert], python=sys.executable)
    simulator.start()
    request.addfinalizer(simulator.stop)
    connection = {'url': simulator.url, 'client_cert': cert, 'client_key': key, 'ca_cert': simulator.ca_cert}

    def p(name):
        return str(base / name)

    os.makedirs(p('empty_dir'))
    files = {
        'missing': p('missing.tar.bz2'),
        'text': packages.write(p('notes.txt'), 'just some text\n'),
        'empty_dir': p('empty_dir'),
        'image': packages.image_tarball(p('image.tar.gz')),
        'image_no_metadata': packages.image_tarball(p('image-nometa.tar.gz'), metadata=None),
        'addon': packages.addon_dir(p('addon'), ADDON),
        'addon_no_manifest': packages.addon_dir(p('addon-nomanifest'), ADDON, manifest=False),
        'addon_bad_yaml': packages.addon_dir(p('addon-badyaml'), ADDON, manifest='name: [unclosed\n'),
        'addon_other_name': packages.addon_dir(p('addon-other'), ADDON, manifest='name: someone-else\n'),
        'addon_no_hooks': packages.addon_dir(p('addon-nohooks'), ADDON, hook=False),
        'app': packages.application_dir(p('app'), APP, IMAGE),
        'app_bad_yaml': packages.write(os.path.join(packages.application_dir(p('app-badyaml'), APP, IMAGE),
                                                    'manifest.yaml'), 'name: "unterminated\n'),
        'app_other_name': packages.application_dir(p('app-other'), 'someone-else', IMAGE),
        'app_bad_instance': packages.application_dir(p('app-badtype'), APP, IMAGE, instance_type='z9.9'),
        'app_unknown_image': packages.application_dir(p('app-noimage'), APP, 'no-such-image'),
        'app_unknown_addon': packages.application_dir(p('app-noaddon'), APP, IMAGE,
                                                      extra='addons: [no-such-addon]\n'),
    }
    files['app_bad_yaml'] = os.path.dirname(files['app_bad_yaml'])
    subprocess.run(['tar', '-C', files['app'], '-czf', p('app-gzip.tar.bz2'), 'manifest.yaml', 'app.apk'], check=True)
    files['app_gzip'] = p('app-gzip.tar.bz2')
    ansible = AnsibleRunner(collections_tree(base / 'collections'), base)
    setup = ansible.run_tasks([
        ('ams_node', dict(connection, name=NODE, address='10.9.0.1', cpus=4, memory='8GB')),
        ('ams_image', dict(connection, name=IMAGE, src=files['image'], default=True)),
        ('ams_addon', dict(connection, name=ADDON, src=files['addon'])),
        ('ams_application', dict(connection, name=APP, src=files['app'])),
    ])
    for run in setup:
        assert not run.failed, run.result
    return simulator, connection, files, ansible


def test_every_bad_input_fails_cleanly_and_changes_nothing(world):
    simulator, connection, files, ansible = world
    cases = _bad_inputs(files, connection)
    assert len(cases) >= 40
    before = simulator_dump(simulator)
    mark = simulator.log_mark()
    runs = ansible.run_tasks([(module, args) for _case, module, args, _fragments in cases])
    after = simulator_dump(simulator)
    problems = []
    for (case, _module, _args, fragments), run in zip(cases, runs):
        message = run.msg
        if not run.failed:
            problems.append('%s: did not fail: %s' % (case, json.dumps(run.result)[:300]))
        elif 'Traceback' in message + str(run.result.get('exception', '')) or 'module_stderr' in run.result:
            problems.append('%s: crashed: %s' % (case, json.dumps(run.result)[:500]))
        elif not all(fragment.lower() in message.lower() for fragment in fragments):
            problems.append('%s: message %r does not name %s' % (case, message, fragments))
    assert not problems, '\n'.join(problems)
    assert simulator.mutating_requests_since(mark) == []
    assert after == before


@pytest.mark.parametrize('config,fragment', [
    ({'include': ['nodes', 'routers']}, 'routers'),
    ({'ansible_host_source': 'dns'}, 'dns'),
    ({'url': 'https://127.0.0.1:1', 'request_timeout': 3}, 'connection refused'),
    ({'container_status': 'running'}, None),
])
def test_inventory_bad_options(world, tmp_path, config, fragment):
    simulator, connection, _files, ansible = world
    source = dict({'plugin': 'anbox.ams.ams'}, **connection)
    source.update(config)
    path = tmp_path / 'bad.ams.yml'
    path.write_text(json.dumps(source))
    before = simulator_dump(simulator)
    completed = subprocess.run([os.path.join(ansible.bin_dir, 'ansible-inventory'), '-i', str(path), '--list'],
                               env=ansible.environment({'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True'}),
                               capture_output=True, text=True, timeout=120, check=False)
    assert simulator_dump(simulator) == before
    if fragment is None:  # a single status as a string is accepted as a one-item list
        assert completed.returncode == 0, completed.stderr
        return
    assert completed.returncode != 0
    assert fragment in completed.stderr
    assert 'Traceback' not in completed.stderr
