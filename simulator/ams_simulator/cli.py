"""Command line of `python -m ams_simulator` / `ams-simulator`."""

import argparse
import asyncio
import ipaddress
import logging
import os
import socket
import sys

from .extensions import API_EXTENSIONS
from .injection import FailureRules, FaultInjector, StaleEtagRules, parse_methods


def _non_negative(text):
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative: %s" % text)
    return value


def _count(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative: %s" % text)
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="ams-simulator", description="Simulated Anbox Management Service (AMS).")
    parser.add_argument("--state-dir", required=True, help="directory for certificates, state.db, logs")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8444, help="TCP port; 0 picks a free one (default 8444)")
    parser.add_argument("--unix-socket", help="also listen on this unix socket (clients there are trusted)")
    parser.add_argument("--trust-password", help="set core.trust_password")
    parser.add_argument("--trust-cert", action="append", default=[], metavar="PEM_FILE",
                        help="pre-trust this client certificate (repeatable)")
    parser.add_argument("--operation-delay", type=_non_negative, default=0.05, metavar="SECONDS")
    parser.add_argument("--bootstrap-delay", type=_non_negative, default=0.2, metavar="SECONDS")
    parser.add_argument("--container-boot-delay", type=_non_negative, default=0.05, metavar="SECONDS")
    parser.add_argument("--fault-503-rate", type=float, default=0.0, metavar="F")
    parser.add_argument("--fault-reset-rate", type=float, default=0.0, metavar="F")
    parser.add_argument("--fault-drop-answer-rate", type=float, default=0.0, metavar="F",
                        help="carry out that fraction of writes (POST/PUT/PATCH/DELETE), then drop the connection "
                             "before answering")
    parser.add_argument("--fault-latency", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--fault-seed", type=int, default=None, metavar="N")
    parser.add_argument("--fault-methods", metavar="METHODS",
                        help="comma-separated HTTP methods the faults apply to (default: every method)")
    parser.add_argument("--fail", action="append", default=[], metavar="KIND:NAME",
                        help="make the named object fail (KIND: application, container, instance, node, image, addon)")
    parser.add_argument("--stale-etag-once", action="append", default=[], metavar="KIND/NAME",
                        help="the first If-Match PATCH on that application or node meets a concurrent change (412)")
    parser.add_argument("--populate-nodes", type=_count, default=0, metavar="N")
    parser.add_argument("--populate-containers", type=_count, default=0, metavar="M")
    parser.add_argument("--request-log", metavar="PATH", help="default: STATE_DIR/requests.log")
    parser.add_argument("--strict-fields", action=argparse.BooleanOptionalAction, default=_env_flag(STRICT_ENV),
                        help="refuse unknown JSON fields with 400 instead of ignoring them as AMS does "
                             "(default: the %s environment variable, else off)" % STRICT_ENV)
    parser.add_argument("--legacy-unscheduable", action="store_true",
                        help="act as AMS before 1.20: nodes report and PATCH the old spelling 'unscheduable'")
    parser.add_argument("--disable-extension", "--without-extension", dest="disable_extension", action="append",
                        default=[], metavar="NAME", help="do not offer this API extension, and refuse what needs it (repeatable)")
    parser.add_argument("--exec-real-processes", action="store_true",
                        help="run exec commands as real processes on this host (test rigs only: trusted clients "
                             "run anything as the simulator's user); default: a small emulated command set")
    parser.add_argument("--exec-connect-timeout", type=_non_negative, default=30.0, metavar="SECONDS",
                        help="how long an exec waits for its websockets before it fails (default 30)")
    parser.add_argument("--without-instances", action="store_true",
                        help="behave as an older AMS: no instance_support, vm_support, instance_exec or container_exec "
                             "extension, and no /1.0/instances or exec endpoints (404)")
    return parser


STRICT_ENV = "AMS_SIMULATOR_STRICT_FIELDS"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _env_flag(name):
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    sys.stderr.write("ams-simulator: error: %s must be one of %s, got %r\n"
                     % (name, ", ".join(_TRUE + _FALSE[1:]), os.environ[name]))
    raise SystemExit(2)


def check_loopback(host):
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            addresses = {ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(host, None)}
        except socket.gaierror as exc:
            raise ValueError("--host %s: cannot resolve it: %s" % (host, exc))
    if not all(address.is_loopback for address in addresses):
        raise ValueError("--host %s is not a loopback address: the simulator only listens on loopback "
                         "(127.0.0.1, ::1, localhost)" % host)


def parse(argv):
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        check_loopback(options.host)
        if not 0 <= options.port <= 65535:
            raise ValueError("--port must be between 0 and 65535, got %d" % options.port)
        FailureRules(options.fail)
        StaleEtagRules(options.stale_etag_once)
        FaultInjector(options.fault_503_rate, options.fault_reset_rate, options.fault_latency, options.fault_seed,
                      parse_methods(options.fault_methods), options.fault_drop_answer_rate)
        unknown = sorted(set(options.disable_extension) - set(API_EXTENSIONS))
        if unknown:
            raise ValueError("--disable-extension %s: not an extension the simulator offers (%s)"
                             % (", ".join(unknown), ", ".join(API_EXTENSIONS)))
        if options.populate_containers and not options.populate_nodes:
            raise ValueError("--populate-containers needs --populate-nodes N (at least 1)")
    except ValueError as exc:
        parser.error(str(exc))
    return options


def main(argv=None):
    from .runner import serve  # imported late: argument errors are reported without loading aiohttp

    options = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="ams-simulator: %(levelname)s: %(message)s")
    try:
        asyncio.run(serve(options))
    except (ValueError, OSError) as exc:
        sys.stderr.write("ams-simulator: error: %s\n" % exc)
        return 1
    return 0
