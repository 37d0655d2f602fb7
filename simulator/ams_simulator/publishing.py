"""Which application versions are published: application.auto_publish and max_published_versions."""

import json


def _config(store, key, default):
    row = store.one("SELECT value FROM config WHERE key = ?", (key,))
    return json.loads(row["value"]) if row else default


def enforce_limit(store, app, keep=None):
    """Keep at most application.max_published_versions published, unpublishing the oldest (never `keep`,
    the version just published)."""
    limit = _config(store, "application.max_published_versions", 3)
    published = [v for v in app["versions"] if v["published"]]
    if limit > 0 and len(published) > limit:
        candidates = sorted((v for v in published if v["number"] != keep), key=lambda v: v["number"])
        for version in candidates[:len(published) - limit]:
            version["published"] = False
    app["published"] = any(v["published"] for v in app["versions"])


def apply_auto_publish(store, app, version):
    if _config(store, "application.auto_publish", True):
        version["published"] = True
    enforce_limit(store, app, keep=version["number"])
