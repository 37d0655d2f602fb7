"""Write tests/integration/integration_config.yml: the variables every integration target gets.

Two sources:
  a simulator (the integration session starts one; --ready READY_JSON --client-cert PEM
      --client-key PEM on the command line): its URL, CA, server certificate, trust password,
      request log and state folder; ams_simulator: true.
  a real AMS named by the environment: AMS_URL (required), AMS_CLIENT_CERT, AMS_CLIENT_KEY,
      AMS_CA_CERT, AMS_SERVER_CERT, AMS_TRUST_PASSWORD; ams_simulator: false. What only a real
      cluster can provide comes from AMS_TEST_IMAGE, AMS_TEST_NODE, AMS_TEST_NODE_ADDRESS and
      AMS_TEST_NODE_TRUST_PASSWORD (ams_test_* variables; targets needing them are skipped when
      they are unset).
Every run also gets ams_resource_prefix, the prefix of the names of what the tests create.

Usage: python integration_config.py OUTPUT --prefix PREFIX [--ready READY_JSON --client-cert PEM --client-key PEM]
"""

import argparse
import json
import os
import sys

REAL_AMS_VARIABLES = {
    "ams_url": "AMS_URL",
    "ams_client_cert": "AMS_CLIENT_CERT",
    "ams_client_key": "AMS_CLIENT_KEY",
    "ams_ca_cert": "AMS_CA_CERT",
    "ams_server_cert": "AMS_SERVER_CERT",
    "ams_trust_password": "AMS_TRUST_PASSWORD",
    "ams_test_image": "AMS_TEST_IMAGE",
    "ams_test_node": "AMS_TEST_NODE",
    "ams_test_node_address": "AMS_TEST_NODE_ADDRESS",
    "ams_test_node_trust_password": "AMS_TEST_NODE_TRUST_PASSWORD",
}

# what the integration session starts the simulator with: the failures and concurrent changes the
# targets provoke by naming their objects so (guarded by `when: ams_simulator`)
SIMULATOR_ARGUMENTS = (
    "--fail", "application:it-bootstrap-fails",
    "--fail", "container:it-crashing-app",
    "--fail", "node:it-broken-node",
    "--stale-etag-once", "application/it-stale-app",
    "--stale-etag-once", "node/it-stale-node",
)


class ConfigError(Exception):
    pass


def simulator_variables(ready, state_dir, client_cert, client_key):
    """Variables for a simulator from READY, the content of its ready.json."""
    try:
        return {
            "ams_url": ready["url"],
            "ams_client_cert": os.path.abspath(client_cert),
            "ams_client_key": os.path.abspath(client_key),
            "ams_ca_cert": ready["ca_cert"],
            "ams_server_cert": ready["server_cert"],
            "ams_trust_password": ready["trust_password"],
            "ams_request_log": ready["request_log"],
            "ams_state_dir": os.path.abspath(state_dir),
            "ams_simulator": True,
        }
    except KeyError as error:
        raise ConfigError("the simulator's ready.json lacks the key %s" % error) from None


def real_ams_variables(environ):
    """Variables for the real AMS that ENVIRON's AMS_URL & co name."""
    if not environ.get("AMS_URL"):
        raise ConfigError("AMS_URL is not set and no simulator ready file was given")
    variables = {name: environ[env] for name, env in REAL_AMS_VARIABLES.items() if environ.get(env)}
    variables["ams_simulator"] = False
    return variables


def write_config(output, variables, prefix):
    variables = dict(variables, ams_resource_prefix=prefix)
    with open(output, "w", encoding="utf-8") as handle:
        handle.write("# Written by hacking/integration_config.py for this run; not kept in git.\n")
        for name in sorted(variables):
            # JSON scalars are valid YAML, quoted safely whatever the value holds
            handle.write("%s: %s\n" % (name, json.dumps(variables[name])))


def _parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Write integration_config.yml for ansible-test.")
    parser.add_argument("output")
    parser.add_argument("--prefix", required=True, help="prefix for the names of resources the tests create")
    parser.add_argument("--ready", help="the simulator's ready.json")
    parser.add_argument("--client-cert")
    parser.add_argument("--client-key")
    arguments = parser.parse_args(argv)
    if arguments.ready and not (arguments.client_cert and arguments.client_key):
        parser.error("--ready needs --client-cert and --client-key")
    return arguments


def main(argv):
    arguments = _parse_arguments(argv)
    try:
        if arguments.ready:
            try:
                with open(arguments.ready, encoding="utf-8") as handle:
                    ready = json.load(handle)
            except (OSError, ValueError) as error:
                raise ConfigError("cannot read %s: %s" % (arguments.ready, error)) from None
            variables = simulator_variables(ready, os.path.dirname(os.path.abspath(arguments.ready)),
                                            arguments.client_cert, arguments.client_key)
        else:
            variables = real_ams_variables(os.environ)
    except ConfigError as error:
        sys.exit("integration_config: %s" % error)
    write_config(arguments.output, variables, arguments.prefix)


if __name__ == "__main__":
    main(sys.argv[1:])
