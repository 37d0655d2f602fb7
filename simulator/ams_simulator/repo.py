"""Every read and write of the simulator's state: the only module that speaks SQL (besides the schema in db.py).

Objects are JSON blobs in a table per kind, found by id or name.  A table of kinds (KINDS) says where each kind
lives and how it is looked up, so one set of functions (find, get, insert, save, all_of, listing) serves them
all.  Errors are domain errors (NotFound, Invalid); the HTTP layer turns them into answers.
"""

import json

from .db import dumps
from .errors import Invalid, NotFound


class Kind:
    def __init__(self, name, table, lookup, order, columns=(), json_columns=()):
        self.name = name
        self.table = table
        self.lookup = lookup  # columns a reference is matched against, in order (the first is the key)
        self.order = order
        self.columns = columns  # columns filled from the object itself on insert
        self.json_columns = json_columns  # extra columns stored as JSON (given on insert)

    @property
    def key(self):
        return self.lookup[0]


KINDS = {kind.name: kind for kind in (
    Kind("node", "nodes", ("name",), "name", ("name", "address"), ("private",)),
    Kind("image", "images", ("id", "name"), "name", ("id", "name")),
    Kind("addon", "addons", ("name",), "name", ("name",)),
    Kind("application", "applications", ("id", "name"), "name", ("id", "name")),
    Kind("container", "containers", ("id",), "rowid", (), ("logs",)),
    # What only the /1.0/instances view of a container has (its name, type, delete protection, desired status,
    # ...); a container launched through /1.0/containers has no row here.
    Kind("instance", "instances", ("id", "name"), "rowid", ("id", "name")),
)}

# Version tables: kind -> (table, owner column).  The stored document is the manifest or metadata.yaml.
_VERSIONS = {"image": ("image_versions", "image_id", "metadata"), "addon": ("addon_versions", "name", "manifest"),
             "application": ("application_versions", "app_id", "manifest")}

# Container columns a filter may name (delete_containers, count_containers).
_CONTAINER_FILTERS = ("id", "node", "type", "app_id", "app_version", "image_id", "image_version")
_CONTAINER_COLUMNS = ("id", "node", "type", "app_id", "app_version", "image_id", "image_version", "cpu", "memory",
                      "gpu_slots", "address", "data", "logs")


def _load(row, column="data"):
    return json.loads(row[column]) if row is not None else None


# -- objects of every kind -------------------------------------------------------------------
def find(store, kind, ref):
    """The object of `kind` whose first matching lookup column equals ref, or None.  A container is also
    found by its name (`ams-<id>`)."""
    spec = KINDS[kind]
    for column in spec.lookup:
        row = store.one("SELECT data FROM %s WHERE %s = ?" % (spec.table, column), (ref,))
        if row is not None:
            return _load(row)
    if kind == "container" and ref.startswith("ams-"):
        return find(store, kind, ref[4:])
    return None


def get(store, kind, ref):
    found = find(store, kind, ref)
    if found is None:
        raise NotFound("%s %s not found" % (kind, ref))
    return found


def exists(store, kind, ref):
    return find(store, kind, ref) is not None


def all_of(store, kind):
    spec = KINDS[kind]
    return [json.loads(row["data"]) for row in store.all("SELECT data FROM %s ORDER BY %s" % (spec.table, spec.order))]


def listing(store, kind):
    """UTF-8 JSON array of every object of kind (cached by the store until the next change)."""
    spec = KINDS[kind]
    return store.json_array("SELECT data FROM %s ORDER BY %s" % (spec.table, spec.order))


def keys(store, kind):
    spec = KINDS[kind]
    return [row[0] for row in store.all("SELECT %s FROM %s ORDER BY %s" % (spec.key, spec.table, spec.order))]


def count(store, kind):
    return store.one("SELECT COUNT(*) AS n FROM %s" % KINDS[kind].table)["n"]


def insert(store, kind, data, **extra):
    """Insert (or replace) an object; `extra` fills the kind's JSON columns (a node's private settings)."""
    spec = KINDS[kind]
    if kind == "container":
        raise TypeError("containers are inserted with insert_containers")
    columns = list(spec.columns) + ["data"] + list(spec.json_columns)
    values = [data[column] for column in spec.columns] + [dumps(data)] + [dumps(extra[c]) for c in spec.json_columns]
    sql = "INSERT OR REPLACE INTO %s (%s) VALUES (%s)" % (spec.table, ", ".join(columns), ", ".join("?" * len(columns)))
    store.execute(sql, values)


def save(store, kind, data):
    """Write back an object that exists (its key does not change)."""
    spec = KINDS[kind]
    store.execute("UPDATE %s SET data = ? WHERE %s = ?" % (spec.table, spec.key), (dumps(data), data[spec.key]))


def delete(store, kind, key):
    spec = KINDS[kind]
    store.execute("DELETE FROM %s WHERE %s = ?" % (spec.table, spec.key), (key,))


def node_private(store, name):
    return _load(store.one("SELECT private FROM nodes WHERE name = ?", (name,)), "private")


def node_with_address(store, address):
    row = store.one("SELECT name FROM nodes WHERE address = ?", (address,))
    return row["name"] if row else None


def default_image(store):
    return next((image for image in all_of(store, "image") if image.get("default")), None)


# -- versions --------------------------------------------------------------------------------
def add_version(store, kind, owner, number, blob, document):
    table, owner_column, doc_column = _VERSIONS[kind]
    store.execute("INSERT INTO %s (%s, version, blob, %s) VALUES (?,?,?,?)" % (table, owner_column, doc_column),
                  (owner, number, blob, dumps(document)))


def version_document(store, kind, owner, number):
    """The manifest (applications, addons) or metadata (images) a version was made with."""
    table, owner_column, doc_column = _VERSIONS[kind]
    return _load(store.one("SELECT %s FROM %s WHERE %s = ? AND version = ?" % (doc_column, table, owner_column),
                           (owner, number)), doc_column)


def version_blob(store, kind, owner, number):
    table, owner_column, _doc = _VERSIONS[kind]
    row = store.one("SELECT blob FROM %s WHERE %s = ? AND version = ?" % (table, owner_column), (owner, number))
    return row["blob"] if row else None


def delete_versions(store, kind, owner, number=None):
    """Delete one version row of owner, or all of them."""
    table, owner_column, _doc = _VERSIONS[kind]
    if number is None:
        store.execute("DELETE FROM %s WHERE %s = ?" % (table, owner_column), (owner,))
    else:
        store.execute("DELETE FROM %s WHERE %s = ? AND version = ?" % (table, owner_column), (owner, number))


def referenced_blobs(store):
    referenced = set()
    for table, _owner, _doc in _VERSIONS.values():
        referenced.update(row["blob"] for row in store.all("SELECT blob FROM %s" % table))
    return referenced


def app_version(app, number):
    for version in app["versions"]:
        if version["number"] == number:
            return version
    raise NotFound("application %s has no version %s" % (app["name"], number))


def version_number(text, what):
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise Invalid("%s must be a whole number, got %r" % (what, text))
    if number < 0:
        raise Invalid("%s must not be negative, got %r" % (what, text))
    return number


# -- who uses what ---------------------------------------------------------------------------
def applications_using_image(store, image_id, number=None):
    """Names of the applications based on an image (number: on that version of it, by any of their versions)."""
    if number is None:
        rows = store.all("SELECT name FROM applications WHERE json_extract(data, '$.parent_image_id') = ? "
                         "ORDER BY name", (image_id,))
    else:
        rows = store.all("SELECT DISTINCT a.name FROM applications a, json_each(a.data, '$.versions') v "
                         "WHERE json_extract(v.value, '$.parent_image_id') = ? "
                         "AND json_extract(v.value, '$.parent_image_version') = ? ORDER BY a.name", (image_id, number))
    return [row["name"] for row in rows]


def applications_using_addon(store, name):
    rows = store.all("SELECT DISTINCT a.name FROM applications a, json_each(a.data, '$.addons') x "
                     "WHERE x.value = ? ORDER BY a.name", (name,))
    return [row["name"] for row in rows]


# -- containers ------------------------------------------------------------------------------
def _where(filters):
    unknown = set(filters) - set(_CONTAINER_FILTERS)
    if unknown:
        raise TypeError("not a container filter: %s" % ", ".join(sorted(unknown)))
    names = sorted(filters)
    return " AND ".join("%s = ?" % name for name in names) or "1", [filters[name] for name in names]


def insert_containers(store, rows):
    """rows: (data, columns) pairs; columns hold app_version and image_version (None when not from an
    application / image), and what the scheduler counts: cpu, memory, gpu_slots."""
    sql = "INSERT INTO containers (%s) VALUES (%s)" % (", ".join(_CONTAINER_COLUMNS),
                                                       ", ".join("?" * len(_CONTAINER_COLUMNS)))
    store.conn.executemany(sql, [
        (data["id"], data["node"], data["type"], data["app_id"], columns["app_version"], data["image_id"],
         columns["image_version"], columns["cpu"], columns["memory"], columns["gpu_slots"], data["address"],
         dumps(data), "{}") for data, columns in rows])


def delete_containers(store, **filters):
    """Delete the containers matching every filter (column = value) together with their node ports and
    instance rows."""
    where, params = _where(filters)
    store.execute("DELETE FROM node_ports WHERE container_id IN (SELECT id FROM containers WHERE %s)" % where, params)
    store.execute("DELETE FROM instances WHERE id IN (SELECT id FROM containers WHERE %s)" % where, params)
    store.execute("DELETE FROM containers WHERE %s" % where, params)


def count_containers(store, regular_only=False, **filters):
    where, params = _where(filters)
    if regular_only:
        where += " AND type = 'regular'"
    return store.one("SELECT COUNT(*) AS n FROM containers WHERE %s" % where, params)["n"]


def app_versions_in_use(store, app_id):
    rows = store.all("SELECT DISTINCT app_version FROM containers WHERE app_id = ? AND type = 'regular'", (app_id,))
    return {row["app_version"] for row in rows}


def container_logs(store, container_id):
    row = store.one("SELECT logs FROM containers WHERE id = ?", (container_id,))
    return json.loads(row["logs"]) if row else {}


def set_container_logs(store, container_id, logs):
    store.execute("UPDATE containers SET logs = ? WHERE id = ?", (dumps(logs), container_id))


def node_usage(store):
    """node name -> (cpu, memory, gpu slots) its containers use."""
    rows = store.all("SELECT node, SUM(cpu) AS cpu, SUM(memory) AS memory, SUM(gpu_slots) AS gpu "
                     "FROM containers GROUP BY node")
    return {row["node"]: (row["cpu"] or 0, row["memory"] or 0, row["gpu"] or 0) for row in rows}


def addresses_on(store, node_name):
    return {row["address"] for row in store.all("SELECT address FROM containers WHERE node = ?", (node_name,))}


def node_ports_on(store, node_name):
    return {row["port"] for row in store.all("SELECT port FROM node_ports WHERE node = ?", (node_name,))}


def take_node_ports(store, node_name, container_id, ports):
    store.conn.executemany("INSERT INTO node_ports (node, port, container_id) VALUES (?,?,?)",
                           [(node_name, port, container_id) for port in ports])


# -- config and certificates -----------------------------------------------------------------
def config_items(store):
    return {row["key"]: json.loads(row["value"]) for row in store.all("SELECT key, value FROM config")}


def config_value(store, key, default=None):
    row = store.one("SELECT value FROM config WHERE key = ?", (key,))
    return json.loads(row["value"]) if row else default


def set_config_value(store, key, value):
    store.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", (key, dumps(value)))


def certificates(store):
    return store.all("SELECT fingerprint, certificate FROM certificates ORDER BY created_at, fingerprint")


def certificate(store, fingerprint):
    row = store.one("SELECT fingerprint, certificate FROM certificates WHERE fingerprint = ?", (fingerprint,))
    if row is None:
        raise NotFound("certificate %s not found" % fingerprint)
    return row


def certificate_fingerprints(store):
    return {row["fingerprint"] for row in store.all("SELECT fingerprint FROM certificates")}


def add_certificate(store, fingerprint, name, pem, created_at):
    """Store a certificate as trusted (no-op when already there)."""
    store.execute("INSERT OR IGNORE INTO certificates (fingerprint, name, certificate, created_at) VALUES (?,?,?,?)",
                  (fingerprint, name, pem, created_at))


def delete_certificate(store, fingerprint):
    store.execute("DELETE FROM certificates WHERE fingerprint = ?", (fingerprint,))


# -- undo steps of operations ----------------------------------------------------------------
# An operation persists what undoes it (when it fails, is cancelled or a restart interrupts it) as a list of
# [step, arguments] pairs; these are the steps.
_UNDO = {
    "delete": delete,
    "delete_containers": delete_containers,
    "delete_versions": delete_versions,
    "restore": save,
}


def undo_step(step, **arguments):
    if step not in _UNDO:
        raise TypeError("not an undo step: %s" % step)
    return [step, arguments]


def undo(store, steps):
    for step, arguments in steps:
        _UNDO[step](store, **arguments)


# -- operations ------------------------------------------------------------------------------
def insert_operation(store, op_id, seq, status_code, data, rollback):
    store.execute("INSERT INTO operations (id, seq, status_code, finished_at, data, rollback) VALUES (?,?,?,?,?,?)",
                  (op_id, seq, status_code, None, dumps(data), json.dumps(rollback)))


def operation(store, op_id):
    row = store.one("SELECT data FROM operations WHERE id = ?", (op_id,))
    if row is None:
        raise NotFound("operation %s not found" % op_id)
    return json.loads(row["data"])


def update_operation(store, op_id, status_code, finished_at, data):
    store.execute("UPDATE operations SET status_code = ?, finished_at = ?, data = ? WHERE id = ?",
                  (status_code, finished_at, dumps(data), op_id))


def operations(store):
    """(id, status_code, data) of every operation, oldest first."""
    return [(row["id"], row["status_code"], json.loads(row["data"]))
            for row in store.all("SELECT id, status_code, data FROM operations ORDER BY seq")]


def unfinished_operations(store):
    """(id, undo steps) of the operations that never finished."""
    return [(row["id"], json.loads(row["rollback"]))
            for row in store.all("SELECT id, rollback FROM operations WHERE status_code < 200")]


def prune_operations(store, finished_before, keep):
    store.execute("DELETE FROM operations WHERE finished_at IS NOT NULL AND finished_at < ?", (finished_before,))
    store.execute("DELETE FROM operations WHERE finished_at IS NOT NULL AND id NOT IN "
                  "(SELECT id FROM operations WHERE finished_at IS NOT NULL ORDER BY seq DESC LIMIT ?)", (keep,))


# -- read-only dumps -------------------------------------------------------------------------
def table_rows(conn, table, order):
    """Every row of a table as a dict (for ams_simulator.dump, on its own read-only connection)."""
    return [dict(row) for row in conn.execute("SELECT * FROM %s ORDER BY %s" % (table, order))]
