"""Write tests/integration/integration_config.yml: the variables every integration target gets.

Two sources:
  --ready READY_JSON --client-cert PEM --client-key PEM
      a simulator started by hacking/integration.sh (its ready.json); ams_simulator: true.
  (no --ready)
      a real AMS named by the environment: AMS_URL (required), AMS_CLIENT_CERT,
      AMS_CLIENT_KEY, AMS_CA_CERT, AMS_SERVER_CERT, AMS_TRUST_PASSWORD; ams_simulator: false.
      What only a real cluster can provide comes from AMS_TEST_IMAGE, AMS_TEST_NODE,
      AMS_TEST_NODE_ADDRESS and AMS_TEST_NODE_TRUST_PASSWORD (ams_test_* variables; targets
      needing them are skipped when they are unset).

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


def parse_arguments(argv):
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


def simulator_variables(arguments):
    try:
        with open(arguments.ready, encoding="utf-8") as handle:
            ready = json.load(handle)
        return {
            "ams_url": ready["url"],
            "ams_client_cert": os.path.abspath(arguments.client_cert),
            "ams_client_key": os.path.abspath(arguments.client_key),
            "ams_ca_cert": ready["ca_cert"],
            "ams_server_cert": ready["server_cert"],
            "ams_trust_password": ready["trust_password"],
            "ams_request_log": ready["request_log"],
            "ams_state_dir": os.path.dirname(os.path.abspath(arguments.ready)),
            "ams_simulator": True,
        }
    except (OSError, ValueError) as error:
        sys.exit("integration_config: cannot read %s: %s" % (arguments.ready, error))
    except KeyError as error:
        sys.exit("integration_config: %s lacks the key %s" % (arguments.ready, error))


def real_ams_variables():
    if not os.environ.get("AMS_URL"):
        sys.exit("integration_config: AMS_URL is not set and no simulator ready file was given")
    variables = {name: os.environ[env] for name, env in REAL_AMS_VARIABLES.items() if os.environ.get(env)}
    variables["ams_simulator"] = False
    return variables


def main(argv):
    arguments = parse_arguments(argv)
    variables = simulator_variables(arguments) if arguments.ready else real_ams_variables()
    variables["ams_resource_prefix"] = arguments.prefix
    with open(arguments.output, "w", encoding="utf-8") as handle:
        handle.write("# Written by hacking/integration_config.py for this run; not kept in git.\n")
        for name in sorted(variables):
            # JSON scalars are valid YAML, quoted safely whatever the value holds
            handle.write("%s: %s\n" % (name, json.dumps(variables[name])))


if __name__ == "__main__":
    main(sys.argv[1:])
