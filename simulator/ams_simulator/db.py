"""SQLite state of the simulator.  Every change happens inside one transaction, so a SIGKILL at any
moment leaves either the old or the new state on disk, never a mix."""

import contextlib
import json
import os
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, certificate TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    name TEXT PRIMARY KEY, address TEXT NOT NULL UNIQUE, data TEXT NOT NULL, private TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS image_versions (
    image_id TEXT NOT NULL, version INTEGER NOT NULL, blob TEXT NOT NULL, metadata TEXT NOT NULL,
    PRIMARY KEY (image_id, version));
CREATE TABLE IF NOT EXISTS addons (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS addon_versions (
    name TEXT NOT NULL, version INTEGER NOT NULL, blob TEXT NOT NULL, manifest TEXT NOT NULL,
    PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS applications (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS application_versions (
    app_id TEXT NOT NULL, version INTEGER NOT NULL, blob TEXT NOT NULL, manifest TEXT NOT NULL,
    PRIMARY KEY (app_id, version));
CREATE TABLE IF NOT EXISTS containers (
    id TEXT PRIMARY KEY, node TEXT NOT NULL, type TEXT NOT NULL, app_id TEXT NOT NULL, app_version INTEGER,
    image_id TEXT NOT NULL, image_version INTEGER, cpu REAL NOT NULL, memory INTEGER NOT NULL,
    gpu_slots INTEGER NOT NULL, address TEXT NOT NULL, data TEXT NOT NULL, logs TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS containers_node ON containers (node);
CREATE INDEX IF NOT EXISTS containers_app ON containers (app_id);
CREATE INDEX IF NOT EXISTS containers_image ON containers (image_id);
CREATE TABLE IF NOT EXISTS node_ports (
    node TEXT NOT NULL, port INTEGER NOT NULL, container_id TEXT NOT NULL, PRIMARY KEY (node, port));
CREATE INDEX IF NOT EXISTS node_ports_container ON node_ports (container_id);
CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, status_code INTEGER NOT NULL, finished_at REAL,
    data TEXT NOT NULL, rollback TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS operations_seq ON operations (seq);
"""

# Tables that hold resources (what `ams_simulator.dump` prints); operations are bookkeeping.
RESOURCE_TABLES = (
    ("config", "key"),
    ("certificates", "fingerprint"),
    ("nodes", "name"),
    ("images", "id"),
    ("image_versions", "image_id, version"),
    ("addons", "name"),
    ("addon_versions", "name, version"),
    ("applications", "id"),
    ("application_versions", "app_id, version"),
    ("containers", "id"),
    ("node_ports", "node, port"),
    ("instances", "id"),
)


def dumps(value):
    """Canonical JSON used for stored blobs (and hence for ETags)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Store:
    def __init__(self, path):
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self._depth = 0
        self._list_cache = {}
        with self.transaction():
            for statement in _statements(SCHEMA):
                self.conn.execute(statement)

    @contextlib.contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE … COMMIT; nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def json_array(self, sql, params=()):
        """UTF-8 bytes of a JSON array made of the JSON blobs the query's first column returns.

        Big listings (10,000 containers) skip both parsing and re-encoding; the result is cached until the
        next change to the database (this process is its only writer).
        """
        key = (sql, tuple(params))
        changes = self.conn.total_changes
        cached = self._list_cache.get(key)
        if cached is not None and cached[0] == changes:
            return cached[1]
        cursor = self.conn.cursor()
        cursor.row_factory = None
        body = ("[" + ",".join(row[0] for row in cursor.execute(sql, params)) + "]").encode()
        if len(self._list_cache) > 32:
            self._list_cache.clear()
        self._list_cache[key] = (changes, body)
        return body

    def get_meta(self, key, default=None):
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def set_meta(self, key, value):
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self):
        self.conn.close()


def _statements(script):
    return [s.strip() for s in script.split(";") if s.strip()]


def open_store(state_dir):
    os.makedirs(state_dir, exist_ok=True)
    return Store(os.path.join(state_dir, "state.db"))
