"""Application versions after a bootstrap: application.auto_publish publishes them, and
application.max_published_versions limits how many are stored."""

from . import repo


def prune_versions(store, app, keep):
    """Delete the oldest versions while the application stores more than application.max_published_versions
    (0 means no limit).  Never deleted: `keep` (the version just made), versions still bootstrapping and
    versions that containers use; when only those are left, the application keeps more versions."""
    limit = repo.config_value(store, "application.max_published_versions", 3)
    surplus = len(app["versions"]) - limit
    if limit <= 0 or surplus <= 0:
        return []
    in_use = repo.app_versions_in_use(store, app["id"])
    candidates = sorted((v["number"] for v in app["versions"]
                         if v["number"] != keep and v["status_code"] != 1 and v["number"] not in in_use))
    removed = candidates[:surplus]
    app["versions"] = [v for v in app["versions"] if v["number"] not in removed]
    for number in removed:
        repo.delete_versions(store, "application", app["id"], number)
    app["published"] = any(v["published"] for v in app["versions"])
    return removed


def apply_auto_publish(store, app, version):
    if repo.config_value(store, "application.auto_publish", True):
        version["published"] = True
    app["published"] = any(v["published"] for v in app["versions"])
    prune_versions(store, app, keep=version["number"])
