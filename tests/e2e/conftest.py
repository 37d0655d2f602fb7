# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the end-to-end suites: a simulator on 127.0.0.1 and a way to run modules through Ansible."""

from __future__ import annotations

import os
import sys

import pytest

from ams_e2e import AnsibleRunner, collections_tree
from ams_simulator.testing import SimulatorProcess, make_client_cert


@pytest.fixture(scope='session')
def collections_root(tmp_path_factory):
    """A directory holding ansible_collections/anbox/ams that points at this checkout."""
    return collections_tree(tmp_path_factory.mktemp('collections'))


@pytest.fixture(scope='session')
def ansible(collections_root, tmp_path_factory):
    return AnsibleRunner(collections_root, tmp_path_factory.mktemp('ansible-runs'))


@pytest.fixture
def simulator_factory(tmp_path_factory):
    """Start simulators with extra knobs; every one is stopped after the test."""
    started = []

    def start(extra_args=(), trusted=True, state_dir=None, trust_password='e2e-trust-password-5d1f'):
        base = tmp_path_factory.mktemp('ams')
        cert, key, fingerprint = make_client_cert(str(base / 'client'), name='client')
        args = list(extra_args)
        if trusted:
            args += ['--trust-cert', cert]
        process = SimulatorProcess(state_dir or str(base / 'state'), trust_password=trust_password,
                                   extra_args=args, python=sys.executable)
        process.start()
        process.client_cert, process.client_key, process.client_fingerprint = cert, key, fingerprint
        process.connection = {'url': process.url, 'client_cert': cert, 'client_key': key,
                              'ca_cert': process.ca_cert}
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def simulator(simulator_factory):
    return simulator_factory()


def pytest_configure(config):
    os.environ.setdefault('ANSIBLE_NOCOLOR', '1')
