# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connection: the shared connection and wait option sets, and the one path from options to a client.

Modules build their argument spec from these; the inventory plugin reads the
same names through ``get_option``. Both end in ``client_from_options``. The
doc fragments ``anbox.ams.connection`` and ``anbox.ams.wait`` document them.
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.anbox.ams.plugins.module_utils.client import DEFAULT_MAX_PARALLEL, AMSClient

DEFAULT_URL = 'unix:/var/snap/ams/common/server/unix.socket'
DEFAULT_WAIT_TIMEOUT = 600


def connection_argument_spec():
    return dict(
        url=dict(type='str', default=DEFAULT_URL, fallback=(env_fallback, ['AMS_URL'])),
        client_cert=dict(type='path', fallback=(env_fallback, ['AMS_CLIENT_CERT'])),
        client_key=dict(type='path', no_log=False, fallback=(env_fallback, ['AMS_CLIENT_KEY'])),
        ca_cert=dict(type='path', aliases=['server_cert'], fallback=(env_fallback, ['AMS_CA_CERT'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['AMS_VALIDATE_CERTS'])),
        request_timeout=dict(type='float', default=30.0),
        max_parallel=dict(type='int', default=DEFAULT_MAX_PARALLEL, fallback=(env_fallback, ['AMS_MAX_PARALLEL'])),
    )


def wait_argument_spec():
    return dict(
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=DEFAULT_WAIT_TIMEOUT),
    )


def client_from_options(get_option, warn=None):
    """An AMSClient from connection options, read through ``get_option(name)``.

    ``get_option`` is ``module.params.get`` for modules and the plugin's own
    ``get_option`` for the inventory plugin.
    """
    request_timeout = get_option('request_timeout')
    max_parallel = get_option('max_parallel')
    return AMSClient(
        url=get_option('url') or DEFAULT_URL,
        client_cert=get_option('client_cert'),
        client_key=get_option('client_key'),
        ca_cert=get_option('ca_cert'),
        validate_certs=True if get_option('validate_certs') is None else get_option('validate_certs'),
        request_timeout=30.0 if request_timeout is None else request_timeout,
        max_parallel=DEFAULT_MAX_PARALLEL if max_parallel is None else max_parallel,
        warn=warn,
    )
