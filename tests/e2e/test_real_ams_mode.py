# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The integration suite in its real-AMS mode (ams_simulator: false) against an AMS that already holds
someone else's nodes, image, application and containers: every target passes, and afterwards those
objects, the configuration and the trust store are exactly as they were (docs/real-ams.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

import packages
from ams_e2e import simulator_dump

TARGETS_DIR = os.path.join(os.path.dirname(__file__), '..', 'integration', 'targets')
CONFIG_WRITER = os.path.join(os.path.dirname(__file__), '..', '..', 'hacking', 'integration_config.py')
TRUST_PASSWORD = 'e2e-real-mode-7c41'

pytestmark = pytest.mark.real_ams


def _targets():
    return sorted(name for name in os.listdir(TARGETS_DIR)
                  if not name.startswith(('setup_', 'prepare_')) and os.path.isdir(os.path.join(TARGETS_DIR, name)))


def _write_config(simulator, path, image):
    env = {name: value for name, value in os.environ.items() if not name.startswith('AMS_')}
    env.update({'AMS_URL': simulator.url, 'AMS_CLIENT_CERT': simulator.client_cert,
                'AMS_CLIENT_KEY': simulator.client_key, 'AMS_CA_CERT': simulator.ca_cert,
                'AMS_TRUST_PASSWORD': TRUST_PASSWORD, 'AMS_TEST_IMAGE': image,
                'AMS_TEST_NODE_ADDRESS': '10.253.0.7', 'AMS_TEST_NODE_TRUST_PASSWORD': 'lxd-e2e'})
    subprocess.run([sys.executable, CONFIG_WRITER, str(path), '--prefix', 'it-e2ereal'], env=env, check=True)
    with open(path, encoding='utf-8') as handle:
        config = yaml.safe_load(handle)
    assert config['ams_simulator'] is False and config['ams_test_image'] == image
    return config


def _run_targets(ansible, tmp_path, config_path, targets):
    plays = [{'name': target, 'hosts': 'localhost', 'gather_facts': False, 'roles': [target]} for target in targets]
    playbook = tmp_path / 'targets.yml'
    playbook.write_text(yaml.safe_dump(plays), encoding='utf-8')
    env = {'ANSIBLE_ROLES_PATH': os.path.abspath(TARGETS_DIR), 'ANSIBLE_DISPLAY_SKIPPED_HOSTS': 'False',
           'ANSIBLE_PIPELINING': 'True'}
    return ansible.playbook(str(playbook), timeout=900, env=env, extra_args=['-e', '@' + str(config_path)])


def _assert_passed(completed, log_path):
    output = completed.stdout + completed.stderr
    log_path.write_text(output, encoding='utf-8')
    assert completed.returncode == 0, output[-6000:]
    at = output.find('Traceback (most recent call last)')
    assert at < 0, output[max(0, at - 3000):at + 3000]


def test_suite_runs_against_a_shared_ams_and_leaves_the_rest_alone(ansible, simulator_factory, tmp_path):
    simulator = simulator_factory(['--populate-nodes', '2', '--populate-containers', '4'],
                                  trust_password=TRUST_PASSWORD)
    # Someone else's containers, of their application and straight from their image; the tests get an
    # image of their own that nothing runs yet.
    foreign = ansible.run('ams_container', dict(simulator.connection, image='populated-image',
                                                instance_type='a2.3', count=2))
    assert foreign.changed and len(foreign.result['launched']) == 2, foreign.output
    dedicated = ansible.run('ams_image', dict(simulator.connection, name='acceptance-image',
                                              src=packages.image_tarball(str(tmp_path / 'image.tar.gz'))))
    assert dedicated.changed, dedicated.output
    before = simulator_dump(simulator)

    config = tmp_path / 'integration_config.yml'
    _write_config(simulator, config, 'acceptance-image')
    completed = _run_targets(ansible, tmp_path, config, _targets())
    _assert_passed(completed, tmp_path / 'ansible.log')
    assert 'ams_container : Launch three containers of the image' in completed.stdout

    assert simulator_dump(simulator) == before


def test_tests_counting_by_image_keep_off_an_image_others_use(ansible, simulator_factory, tmp_path):
    simulator = simulator_factory(['--populate-nodes', '1', '--populate-containers', '2'])
    foreign = ansible.run('ams_container', dict(simulator.connection, image='populated-image',
                                                instance_type='a2.3', count=1))
    assert foreign.changed, foreign.output
    before = simulator_dump(simulator)
    config = tmp_path / 'integration_config.yml'
    _write_config(simulator, config, 'populated-image')
    completed = _run_targets(ansible, tmp_path, config, ['ams_container', 'ams_info'])
    _assert_passed(completed, tmp_path / 'ansible.log')
    assert 'ams_container : Launch three containers of the image' not in completed.stdout
    assert 'ams_info : Launch one container of the image' not in completed.stdout
    assert simulator_dump(simulator) == before
