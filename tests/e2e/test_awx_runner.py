# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX path: jobs and inventory syncs through ansible-runner, connected only by the credential.

AWX runs playbooks and inventory updates with ansible-runner, and a credential of the type in
docs/awx/ injects the connection as files plus AMS_* environment variables. These tests render
that credential type as AWX would, hand only its environment to ansible-runner, and run
playbooks/awx_demo.yml (the demo's workflow without any connection option) and the inventory
plugin with it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest
import yaml

from ams_e2e import REPO_ROOT

ansible_runner = pytest.importorskip('ansible_runner')
jinja2_sandbox = pytest.importorskip('jinja2.sandbox')

CONNECTION_OPTIONS = {'url', 'client_cert', 'client_key', 'ca_cert', 'server_cert', 'validate_certs', 'module_defaults'}
AMS_VARIABLES = ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS')
CREDENTIAL_TYPE_DIR = os.path.join(REPO_ROOT, 'docs', 'awx')


def load_yaml(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def inject_credential(inputs, directory):
    """What AWX does with a credential of our type: write the file templates, render the env."""
    fields = load_yaml(os.path.join(CREDENTIAL_TYPE_DIR, 'credential-type-inputs.yml'))
    injectors = load_yaml(os.path.join(CREDENTIAL_TYPE_DIR, 'credential-type-injectors.yml'))
    missing = [name for name in fields['required'] if not inputs.get(name)]
    assert not missing, 'the credential type requires %s' % missing
    context = {field['id']: field.get('default', '') for field in fields['fields']}
    context.update(inputs)
    environment = jinja2_sandbox.ImmutableSandboxedEnvironment()
    filenames = {}
    for key, template in injectors['file'].items():
        name = key.split('.', 1)[1]
        path = os.path.join(str(directory), 'awx-credential-' + name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(environment.from_string(template).render(context))
        filenames[name] = path
    context['tower'] = {'filename': filenames}
    return {name: environment.from_string(template).render(context) for name, template in injectors['env'].items()}


def credential_inputs(simulator):
    return {'url': simulator.url, 'client_cert': read(simulator.client_cert),
            'client_key': read(simulator.client_key), 'ca_cert': read(simulator.ca_cert), 'validate_certs': True}


@pytest.fixture
def runner_environment(monkeypatch, collections_root):
    """The job's environment besides the credential: no AMS_* from the caller, this venv's ansible."""
    for name in AMS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    return {'ANSIBLE_COLLECTIONS_PATH': collections_root, 'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCALHOST_WARNING': 'False', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False'}


def private_data_dir(tmp_path):
    """An AWX-like job directory: the project (this repository's playbooks/) and a localhost inventory."""
    private = tmp_path / 'job'
    shutil.copytree(os.path.join(REPO_ROOT, 'playbooks'), str(private / 'project'))
    (private / 'inventory').mkdir()
    (private / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    return private


def task_results(run, task_name):
    return [event['event_data']['res'] for event in run.events
            if event.get('event') == 'runner_on_ok' and event['event_data'].get('task') == task_name]


def run_demo(private, envvars, timeout=600):
    return ansible_runner.run(private_data_dir=str(private), playbook='awx_demo.yml', envvars=envvars,
                              quiet=True, timeout=timeout)


def keys_anywhere(document):
    if isinstance(document, dict):
        found = set(document)
        for value in document.values():
            found |= keys_anywhere(value)
        return found
    if isinstance(document, list):
        return set().union(*(keys_anywhere(item) for item in document)) if document else set()
    return set()


def test_awx_playbook_holds_no_connection_option():
    for path in ('awx_demo.yml', 'tasks/demo_workflow.yml'):
        document = load_yaml(os.path.join(REPO_ROOT, 'playbooks', path))
        assert not keys_anywhere(document) & CONNECTION_OPTIONS, path


def test_credential_type_injects_every_connection_variable(simulator, tmp_path):
    injected = inject_credential(credential_inputs(simulator), tmp_path)
    assert set(injected) == set(AMS_VARIABLES)
    assert injected['AMS_URL'] == simulator.url
    assert read(injected['AMS_CLIENT_KEY']) == read(simulator.client_key)
    assert read(injected['AMS_CA_CERT']) == read(simulator.ca_cert)
    assert injected['AMS_VALIDATE_CERTS'] == 'True'


def test_credential_without_ca_cert_leaves_the_system_store(simulator, tmp_path):
    inputs = dict(credential_inputs(simulator), ca_cert='')
    assert inject_credential(inputs, tmp_path)['AMS_CA_CERT'] == ''


def test_demo_playbook_runs_as_an_awx_job(simulator, tmp_path, runner_environment):
    private = private_data_dir(tmp_path)
    envvars = dict(runner_environment, **inject_credential(credential_inputs(simulator), tmp_path))
    run = run_demo(private, envvars)
    assert run.status == 'successful', '\n'.join(event.get('stdout', '') for event in run.events)

    containers = task_results(run, "List the application's containers")[0]['containers']
    assert [container['status'] for container in containers] == ['running', 'running']
    assert {container['node'] for container in containers} == {'demo-node'}
    assert run.stats['changed']['localhost'] > 0

    rerun = run_demo(private_data_dir(tmp_path / 'again'), envvars)
    assert rerun.status == 'successful'
    # a job starts in a fresh directory, so only the scratch copy of the image tarball is new
    changed = {event['event_data']['task'] for event in rerun.events
               if event.get('event') == 'runner_on_ok' and event['event_data']['res'].get('changed')}
    assert changed == SCRATCH_TASKS


SCRATCH_TASKS = {
    'Make a work directory for the image tarball when none is given',
    'Pack the demo image (sorted, fixed times and owners, so the same tree gives the same tarball)',
    'Remove the temporary work directory',
}


def test_demo_playbook_without_the_credential_fails_on_the_default_socket(tmp_path, runner_environment):
    run = run_demo(private_data_dir(tmp_path), runner_environment, timeout=300)
    assert run.status == 'failed'
    failures = [event['event_data']['res']['msg'] for event in run.events if event.get('event') == 'runner_on_failed']
    assert failures and 'unix socket /var/snap/ams/common/server/unix.socket' in failures[0]


@pytest.fixture
def populated_simulator(simulator_factory):
    return simulator_factory(extra_args=['--populate-nodes', '2', '--populate-containers', '3'])


def test_inventory_source_with_only_the_plugin_name(populated_simulator, tmp_path, runner_environment):
    source = tmp_path / 'awx.ams.yml'
    shutil.copyfile(os.path.join(CREDENTIAL_TYPE_DIR, 'inventory.ams.yml'), str(source))
    assert yaml.safe_load(source.read_text()) == {'plugin': 'anbox.ams.ams'}
    envvars = dict(runner_environment, **inject_credential(credential_inputs(populated_simulator), tmp_path))

    output, error = ansible_runner.get_inventory(action='list', inventories=[str(source)], envvars=envvars,
                                                 response_format='json', quiet=True, timeout=120)
    assert output, error
    inventory = output if isinstance(output, dict) else json.loads(output)
    assert len(inventory['ams_nodes']['hosts']) == 2
    containers = inventory['ams_containers']['hosts']
    assert len(containers) == 3
    host_vars = inventory['_meta']['hostvars'][containers[0]]
    assert plain(host_vars['ams_node']) in inventory['ams_nodes']['hosts']
    assert plain(host_vars['ams_status']) == 'running'


def plain(value):
    """A host variable as text: ansible-core 2.19+ marks untrusted strings in `--list` output."""
    if isinstance(value, dict) and set(value) == {'__ansible_unsafe'}:
        return value['__ansible_unsafe']
    return value


def test_inventory_source_without_the_credential_says_how_to_connect(tmp_path, runner_environment):
    source = tmp_path / 'awx.ams.yml'
    shutil.copyfile(os.path.join(CREDENTIAL_TYPE_DIR, 'inventory.ams.yml'), str(source))
    output, error, rc = ansible_runner.run_command(
        executable_cmd='ansible-inventory', cmdline_args=['-i', str(source), '--list'],
        envvars=runner_environment, input_fd=None, quiet=True, timeout=120)
    assert 'unix socket' in output + error
