# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's execution environment metadata works with ansible-builder.

`ansible-builder build` needs a container engine, which CI machines may lack; `introspect`
(what a build runs inside the image to gather the collections' requirements) and `create`
(which writes the build context) need none, so they are what this checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ams_e2e import REPO_ROOT

BUILDER = os.path.join(os.path.dirname(sys.executable), 'ansible-builder')
# websocket-client is only for ams_instance_exec and the connection plugin (a test in test_exec.py shows the rest
# of the collection works without it); an execution environment has them all.
RUNTIME_PACKAGES = ('cryptography', 'pyyaml', 'websocket-client')

pytestmark = pytest.mark.skipif(not os.path.exists(BUILDER), reason='ansible-builder is not installed in this venv')


def builder(*args, cwd=None):
    completed = subprocess.run([BUILDER] + list(args), capture_output=True, text=True, timeout=120, check=False,
                               cwd=cwd)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def package_names(requirement_lines):
    names = set()
    for line in requirement_lines:
        line = line.split('#', 1)[0].strip()
        if line:
            for separator in ('>', '<', '=', '[', ' ', ';', '~', '!'):
                line = line.split(separator, 1)[0]
            names.add(line.lower())
    return names


def read_lines(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read().splitlines()


def test_metadata_names_files_that_exist():
    with open(os.path.join(REPO_ROOT, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        metadata = yaml.safe_load(handle)
    assert metadata['version'] == 3
    assert set(metadata['dependencies']) == {'python', 'system'}
    for kind in ('python', 'system'):
        assert os.path.isfile(os.path.join(REPO_ROOT, metadata['dependencies'][kind]))
    assert package_names(read_lines(os.path.join(REPO_ROOT, 'requirements.txt'))) == set(RUNTIME_PACKAGES)


def test_introspect_finds_the_collection_requirements(collections_root):
    output = builder('introspect', collections_root)
    found = yaml.safe_load(output.split('\n', 1)[1] if output.startswith('#') else output)
    python = [line for line in found['python'] if 'anbox.ams' in line]
    system = [line for line in found['system'] if 'anbox.ams' in line]
    # ansible-builder always leaves out PyYAML, which ansible-core itself brings.
    assert package_names(python) == set(RUNTIME_PACKAGES) - {'pyyaml'}
    assert package_names(system) >= {'tar', 'gzip'}


def test_create_writes_a_build_context_that_installs_the_collection(tmp_path):
    requirements = tmp_path / 'requirements.yml'
    requirements.write_text(yaml.safe_dump({'collections': [{'name': 'anbox.ams'}]}))
    definition = tmp_path / 'execution-environment.yml'
    definition.write_text(yaml.safe_dump({
        'version': 3,
        'images': {'base_image': {'name': 'quay.io/fedora/python-311:latest'}},
        'dependencies': {
            'ansible_core': {'package_pip': 'ansible-core>=2.16'},
            'ansible_runner': {'package_pip': 'ansible-runner'},
            'galaxy': 'requirements.yml',
            'python': os.path.join(REPO_ROOT, 'requirements.txt'),
            'system': os.path.join(REPO_ROOT, 'bindep.txt'),
        },
    }))
    context = tmp_path / 'context'
    builder('create', '--file', str(definition), '--context', str(context), '--output-filename', 'Containerfile',
            cwd=str(tmp_path))

    containerfile = (context / 'Containerfile').read_text()
    assert 'EE_BASE_IMAGE="quay.io/fedora/python-311:latest"' in containerfile
    assert 'ansible-galaxy collection install' in containerfile
    assert 'introspect' in containerfile
    build = context / '_build'
    assert yaml.safe_load((build / 'requirements.yml').read_text()) == {'collections': [{'name': 'anbox.ams'}]}
    assert package_names(read_lines(str(build / 'requirements.txt'))) == set(RUNTIME_PACKAGES)
    assert package_names(read_lines(str(build / 'bindep.txt'))) >= {'tar', 'gzip'}


def test_create_refuses_a_broken_definition(tmp_path):
    definition = tmp_path / 'execution-environment.yml'
    definition.write_text(yaml.safe_dump({'version': 3, 'dependencies': {'python': 'missing.txt'}}))
    completed = subprocess.run([BUILDER, 'create', '--file', str(definition), '--context', str(tmp_path / 'ctx')],
                               capture_output=True, text=True, timeout=120, check=False, cwd=str(tmp_path))
    assert completed.returncode != 0
    assert 'missing.txt' in completed.stdout + completed.stderr
    assert not os.path.exists(str(tmp_path / 'ctx' / 'Containerfile'))
    shutil.rmtree(str(tmp_path / 'ctx'), ignore_errors=True)
