# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Features that need an API extension are refused, before anything is sent, by an AMS that lacks it."""

from __future__ import annotations

import subprocess

import pytest

import packages
from ams_e2e import simulator_dump

LACKING = ('application_manifest_download', 'zip_archive_support', 'container_logs')


@pytest.fixture
def older_ams(simulator_factory):
    args = []
    for extension in LACKING:
        args += ['--disable-extension', extension]
    return simulator_factory(args)


def _assert_refused(run, extension, simulator):
    assert run.failed, run.result
    assert 'does not support' in run.msg and extension in run.msg, run.msg
    assert simulator.url in run.msg, run.msg
    assert 'Traceback' not in run.output


def test_server_info_shows_what_the_server_lacks(ansible, older_ams):
    run = ansible.run('ams_server_info', dict(older_ams.connection))
    assert not run.failed, run.result
    extensions = run.result['server']['api_extensions']
    assert not set(LACKING) & set(extensions)
    assert 'application_image_export' in extensions


def test_application_update_needs_manifest_download(ansible, older_ams, tmp_path):
    connection = older_ams.connection
    image = packages.image_tarball(tmp_path / 'image.tar.gz')
    app = packages.application_dir(str(tmp_path / 'app'), 'fd-app', 'fd-image')
    created = ansible.run_tasks([
        ('ams_node', dict(connection, name='fd-node', address='10.7.0.1', cpus=4, memory='8GB')),
        ('ams_image', dict(connection, name='fd-image', src=image)),
        ('ams_application', dict(connection, name='fd-app', src=app)),
    ])
    assert [run.failed for run in created] == [False, False, False], [run.result for run in created]
    packages.application_dir(str(tmp_path / 'app'), 'fd-app', 'fd-image', extra='boot-activity: .Main\n')
    mark = older_ams.log_mark()
    before = simulator_dump(older_ams)
    for check in (True, False):
        run = ansible.run('ams_application', dict(connection, name='fd-app', src=app), check=check)
        _assert_refused(run, 'application_manifest_download', older_ams)
    assert older_ams.mutating_requests_since(mark) == []
    assert not [entry for entry in older_ams.requests_since(mark) if entry['path'].endswith('/manifest')]
    assert simulator_dump(older_ams) == before


def test_zip_package_needs_zip_archive_support(ansible, older_ams, tmp_path):
    addon = packages.addon_dir(str(tmp_path / 'addon'), 'fd-addon')
    archive = str(tmp_path / 'fd-addon.zip')
    subprocess.run(['python3', '-m', 'zipfile', '-c', archive, addon + '/manifest.yaml', addon + '/hooks'],
                   check=True, cwd=str(tmp_path))
    mark = older_ams.log_mark()
    run = ansible.run('ams_addon', dict(older_ams.connection, name='fd-addon', src=archive))
    _assert_refused(run, 'zip_archive_support', older_ams)
    assert older_ams.mutating_requests_since(mark) == []


def test_container_logs_need_container_logs(ansible, older_ams):
    mark = older_ams.log_mark()
    run = ansible.run('ams_container_info', dict(older_ams.connection, logs=['android.log']))
    _assert_refused(run, 'container_logs', older_ams)
    assert older_ams.requests_since(mark) and all(entry['path'] == '/1.0' for entry in older_ams.requests_since(mark))


def test_the_same_tasks_work_on_a_server_with_the_extensions(ansible, simulator):
    run = ansible.run('ams_container_info', dict(simulator.connection, logs=['android.log']))
    assert not run.failed, run.result
