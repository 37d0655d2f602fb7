"""`python -m ams_simulator.dump --state-dir DIR`: canonical JSON of every resource table.

Byte-for-byte comparable before/after a client run (the request log and operations are left out).
The config table is dumped as the effective configuration, defaults included, as GET /1.0/config shows
it: a key set back to its default value compares equal to one never set.
Reads the database read-only, so it also works while the simulator runs.  Secrets (the trust password)
appear as their SHA-256, which still changes when they change.
"""

import argparse
import hashlib
import json
import os
import sqlite3
import sys

from . import config_keys, repo
from .db import RESOURCE_TABLES

_JSON_COLUMNS = ("data", "private", "metadata", "manifest", "logs", "value")
_SECRET_CONFIG_KEYS = ("core.trust_password", "images.auth")


def _mask(table, item):
    if table == "config" and item.get("key") in _SECRET_CONFIG_KEYS and isinstance(item.get("value"), str):
        item["value"] = {"sha256": hashlib.sha256(item["value"].encode()).hexdigest()}
    return item


def _effective_config(rows):
    values = {key: config_keys.default(key) for key in config_keys.KEYS}
    values.update((row["key"], row["value"]) for row in rows)
    return [_mask("config", {"key": key, "value": values[key]}) for key in sorted(values)]


def dump_state(state_dir, include_operations=False):
    path = os.path.join(os.path.abspath(state_dir), "state.db")
    if not os.path.exists(path):
        raise FileNotFoundError("no state.db in %s" % state_dir)
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    conn.row_factory = sqlite3.Row
    tables = list(RESOURCE_TABLES)
    if include_operations:
        tables.append(("operations", "seq"))
    result = {}
    try:
        for table, order in tables:
            rows = []
            for row in repo.table_rows(conn, table, order):
                item = {key: json.loads(value) if key in _JSON_COLUMNS and isinstance(value, str) else value
                        for key, value in row.items()}
                rows.append(item if table == "config" else _mask(table, item))
            result[table] = _effective_config(rows) if table == "config" else rows
    finally:
        conn.close()
    return result


def canonical(state):
    return json.dumps(state, sort_keys=True, indent=1, separators=(",", ": "))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ams_simulator.dump", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--include-operations", action="store_true")
    options = parser.parse_args(argv)
    try:
        state = dump_state(options.state_dir, options.include_operations)
    except (FileNotFoundError, sqlite3.Error) as exc:
        sys.stderr.write("ams_simulator.dump: error: %s\n" % exc)
        return 1
    sys.stdout.write(canonical(state) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
