"""Loading and saving resource objects (JSON blobs in SQLite), with lookups by id or name."""

import json

from .db import dumps
from .errors import bad_request, not_found


def _load(row, column="data"):
    return json.loads(row[column]) if row is not None else None


def _find(store, table, key, columns=("name",)):
    """The object whose first matching column (in order: e.g. id, then name) equals key."""
    for column in columns:
        row = store.one("SELECT data FROM %s WHERE %s = ?" % (table, column), (key,))
        if row is not None:
            return _load(row)
    return None


def _required(found, kind, key):
    if found is None:
        raise not_found("%s %s not found" % (kind, key))
    return found


# -- nodes -----------------------------------------------------------------------------------
def find_node(store, name):
    return _find(store, "nodes", name)


def node(store, name):
    return _required(find_node(store, name), "node", name)


def node_private(store, name):
    return _load(store.one("SELECT private FROM nodes WHERE name = ?", (name,)), "private")


def save_node(store, data, private=None):
    if private is None:
        store.execute("UPDATE nodes SET data = ? WHERE name = ?", (dumps(data), data["name"]))
    else:
        store.execute("INSERT OR REPLACE INTO nodes (name, address, data, private) VALUES (?,?,?,?)",
                      (data["name"], data["address"], dumps(data), dumps(private)))


def all_nodes(store):
    return [json.loads(row["data"]) for row in store.all("SELECT data FROM nodes ORDER BY name")]


# -- images ----------------------------------------------------------------------------------
def find_image(store, id_or_name):
    return _find(store, "images", id_or_name, ("id", "name"))


def image(store, id_or_name):
    return _required(find_image(store, id_or_name), "image", id_or_name)


def save_image(store, data):
    store.execute("INSERT OR REPLACE INTO images (id, name, data) VALUES (?,?,?)",
                  (data["id"], data["name"], dumps(data)))


def default_image(store):
    for row in store.all("SELECT data FROM images ORDER BY name"):
        data = json.loads(row["data"])
        if data.get("default"):
            return data
    return None


# -- addons ----------------------------------------------------------------------------------
def find_addon(store, name):
    return _find(store, "addons", name)


def addon(store, name):
    return _required(find_addon(store, name), "addon", name)


def save_addon(store, data):
    store.execute("INSERT OR REPLACE INTO addons (name, data) VALUES (?,?)", (data["name"], dumps(data)))


# -- applications ----------------------------------------------------------------------------
def find_application(store, id_or_name):
    return _find(store, "applications", id_or_name, ("id", "name"))


def application(store, id_or_name):
    return _required(find_application(store, id_or_name), "application", id_or_name)


def save_application(store, data):
    store.execute("INSERT OR REPLACE INTO applications (id, name, data) VALUES (?,?,?)",
                  (data["id"], data["name"], dumps(data)))


def all_applications(store):
    return [json.loads(row["data"]) for row in store.all("SELECT data FROM applications ORDER BY name")]


def app_version(app, number):
    for version in app["versions"]:
        if version["number"] == number:
            return version
    raise not_found("application %s has no version %s" % (app["name"], number))


def version_manifest(store, app_id, number):
    return _load(store.one("SELECT manifest FROM application_versions WHERE app_id = ? AND version = ?",
                           (app_id, number)), "manifest")


def version_blob(store, table, key_column, key, number):
    row = store.one("SELECT blob FROM %s WHERE %s = ? AND version = ?" % (table, key_column), (key, number))
    return row["blob"] if row else None


# -- containers ------------------------------------------------------------------------------
def find_container(store, id_or_name):
    found = _find(store, "containers", id_or_name, ("id",))
    if found is None and id_or_name.startswith("ams-"):
        found = _find(store, "containers", id_or_name[4:], ("id",))
    return found


def container(store, id_or_name):
    return _required(find_container(store, id_or_name), "container", id_or_name)


def save_container(store, data):
    store.execute("UPDATE containers SET data = ? WHERE id = ?", (dumps(data), data["id"]))


def delete_container_rows(store, where, params):
    """Delete containers matching `where` together with their node ports."""
    store.execute("DELETE FROM node_ports WHERE container_id IN (SELECT id FROM containers WHERE %s)" % where, params)
    store.execute("DELETE FROM instances WHERE id IN (SELECT id FROM containers WHERE %s)" % where, params)
    store.execute("DELETE FROM containers WHERE %s" % where, params)


def count_containers(store, where, params, regular_only=False):
    sql = "SELECT COUNT(*) AS n FROM containers WHERE %s" % where
    if regular_only:
        sql += " AND type = 'regular'"
    return store.one(sql, params)["n"]


def version_number(text, what):
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise bad_request("%s must be a whole number, got %r" % (what, text))
    if number < 0:
        raise bad_request("%s must not be negative, got %r" % (what, text))
    return number
