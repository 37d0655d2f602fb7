# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

class ModuleDocFragment:

    # The connection options shared by every module and the inventory plugin.
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Where AMS listens, either C(https://HOST[:PORT]) (the default AMS port is 8444) or
        C(unix:/PATH/TO/SOCKET) for the local socket of an AMS on the same host.
      - If not set, the value of the E(AMS_URL) environment variable is used.
      - An C(https://) AMS is reached through the proxy that E(https_proxy) names (an HTTP CONNECT tunnel), unless
        E(no_proxy) lists its host name, a domain it is in, or C(*).
    type: str
    default: unix:/var/snap/ams/common/server/unix.socket
  client_cert:
    description:
      - PEM client certificate presented to AMS over HTTPS. AMS must trust it (see M(anbox.ams.ams_certificate)).
      - If not set, the value of the E(AMS_CLIENT_CERT) environment variable is used.
    type: path
  client_key:
    description:
      - Unencrypted PEM private key of O(client_cert).
      - If not set, the value of the E(AMS_CLIENT_KEY) environment variable is used.
    type: path
  ca_cert:
    description:
      - CA bundle that signed the AMS server certificate, or the AMS server certificate itself.
      - A file holding a single certificate that is not a CA is pinned, as AMS clients do with its self-signed
        certificate, the server must present exactly that certificate and the host name is not checked.
      - If not set, the system CA store is used, or the value of the E(AMS_CA_CERT) environment variable.
    type: path
    aliases: [server_cert]
  validate_certs:
    description:
      - Verify the AMS server certificate. Set to V(false) only for throw-away test servers, a warning is shown.
      - If not set, the value of the E(AMS_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for the answer to one HTTP request. Waiting on operations has its own C(wait_timeout).
      - Package uploads wait longer for their answer, as AMS checks the whole package before it answers
        and its own Go client allows 300 seconds. They wait at least 300 seconds and one more second per 20 MB of
        package, never more than C(wait_timeout) (when the module has one) nor less than this option.
      - A read that meets a broken connection or HTTP 502, 503 or 504 is sent again after a growing, jittered pause,
        until the task's C(wait_timeout) runs out, and for at least this many seconds (in modules without C(wait_timeout),
        for this many seconds).
        Until AMS has answered once, a connection that cannot be made is tried 6 times only.
        A change is sent again only when its request surely never reached AMS.
    type: float
    default: 30
  max_parallel:
    description:
      - Most requests in flight at once when a task sends a batch of independent ones, such as launching or
        removing many containers, waiting for many operations or setting several configuration items. They share
        one pool of at most this many connections. Package uploads are always sent one at a time.
      - V(1) sends every request after the previous one answered.
      - If not set, the value of the E(AMS_MAX_PARALLEL) environment variable is used.
    type: int
    default: 16
requirements:
  - cryptography
'''

    # The same options as seen by plugins: environment variables are plugin configuration.
    PLUGINS = r'''
options:
  url:
    env:
      - name: AMS_URL
  client_cert:
    env:
      - name: AMS_CLIENT_CERT
  client_key:
    env:
      - name: AMS_CLIENT_KEY
  ca_cert:
    env:
      - name: AMS_CA_CERT
  validate_certs:
    env:
      - name: AMS_VALIDATE_CERTS
  max_parallel:
    env:
      - name: AMS_MAX_PARALLEL
'''

    # The same options as host variables, for the connection plugin (it reads them per host).
    CONNECTION_VARS = r'''
options:
  url:
    vars:
      - name: ansible_ams_url
  client_cert:
    vars:
      - name: ansible_ams_client_cert
  client_key:
    vars:
      - name: ansible_ams_client_key
  ca_cert:
    vars:
      - name: ansible_ams_ca_cert
      - name: ansible_ams_server_cert
  validate_certs:
    vars:
      - name: ansible_ams_validate_certs
  request_timeout:
    vars:
      - name: ansible_ams_request_timeout
'''
