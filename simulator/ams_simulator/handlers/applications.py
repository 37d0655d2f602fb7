"""/1.0/applications: applications, their versions and manifests."""

from aiohttp import web

from .. import envelopes, ids, instance_types, lifecycle, manifest as manifests, repo, status, uploads
from ..clock import unix_now
from ..db import dumps
from ..errors import bad_request, conflict
from ..publishing import enforce_limit
from . import packages
from .common import check_if_match, etag_of, field, read_json, recursion, reject_unknown, sim_of, string_list

_KINDS = ("tar.bz2", "zip")
# JSON PATCH fields changed in place (both spellings accepted) -> application object key.
_IN_PLACE = {"image": "image", "instance-type": "instance_type", "instance_type": "instance_type", "tags": "tags",
             "addons": "addons", "resources": "resources", "inhibit_auto_updates": "inhibit_auto_updates",
             "inhibit-auto-updates": "inhibit_auto_updates"}
_NEEDS_NEW_VERSION = ("services", "watchdog", "boot_activity", "boot-activity", "required_permissions",
                      "required-permissions", "video_encoder", "video-encoder", "manifest_version")


def _version_object(number, manifest, image, upload_created):
    watchdog = manifest.get("watchdog") or {}
    version = {
        "number": number, "manifest_version": manifest.get("version") or "", "parent_image_id": image["id"],
        "parent_image_version": max(v["version"] for v in image["versions"]), "published": False,
        "created_at": upload_created, "boot_activity": manifest.get("boot-activity") or "",
        "required_permissions": manifest.get("required-permissions"), "addons": manifest.get("addons") or [],
        "extra_data": manifest.get("extra-data") or {}, "error_message": "",
        "video_encoder": manifest.get("video-encoder") or "gpu-preferred",
        "watchdog": {"disabled": bool(watchdog.get("disabled", False)),
                     "allowed-packages": watchdog.get("allowed-packages")},
    }
    return status.set_status(version, status.VERSION, 1)


def _apply_manifest_fields(app, manifest, image):
    """A new version sets the application's fields to what its manifest says (keys it leaves out stay)."""
    app["parent_image_id"] = image["id"]
    if manifest.get("instance-type") is not None:
        app["instance_type"] = manifest["instance-type"]
    if manifest.get("boot-package") is not None:
        app["boot_package"] = manifest["boot-package"]
    for key, app_key in (("tags", "tags"), ("addons", "addons"), ("resources", "resources")):
        if manifest.get(key) is not None:
            app[app_key] = manifest[key]
    if manifest.get("abi") is not None:
        app["abi"] = manifest["abi"]


async def _receive_package(request, sim):
    upload, contents = await packages.receive(request, sim, _KINDS, ("manifest.yaml",), "application")
    try:
        manifest, image = manifests.validate(contents.read_yaml("manifest.yaml", "application package"), sim.store)
    except BaseException:
        upload.discard()
        raise
    sim.blobs.keep(upload.path, upload.sha256)
    return upload, manifest, image


def _store_version(store, app_id, number, upload, manifest):
    store.execute("INSERT INTO application_versions (app_id, version, blob, manifest) VALUES (?,?,?,?)",
                  (app_id, number, upload.sha256, dumps(manifest)))


async def list_applications(request):
    sim = sim_of(request)
    if recursion(request):
        return envelopes.sync_raw(sim.store.json_array("SELECT data FROM applications ORDER BY name"))
    rows = sim.store.all("SELECT id FROM applications ORDER BY name")
    return envelopes.sync(["/1.0/applications/" + row["id"] for row in rows])


async def create(request):
    sim = sim_of(request)
    upload, manifest, image = await _receive_package(request, sim)
    name = manifest["name"]
    if repo.find_application(sim.store, name) is not None:
        raise conflict("application %s already exists" % name)
    app_id = ids.new_id()
    now = unix_now()
    app = {
        "id": app_id, "name": name, "instance_type": manifest.get("instance-type") or "",
        "boot_package": manifest.get("boot-package") or "", "parent_image_id": image["id"], "published": False,
        "versions": [_version_object(0, manifest, image, now)], "addons": manifest.get("addons") or [],
        "created_at": now, "immutable": False, "tags": manifest.get("tags"),
        "resources": manifest.get("resources") or {}, "abi": manifest.get("abi") or "x86_64",
        "inhibit_auto_updates": False,
    }
    status.set_status(app, status.APPLICATION, 1)
    with sim.store.transaction():
        repo.save_application(sim.store, app)
        _store_version(sim.store, app_id, 0, upload, manifest)
        op = sim.ops.create(
            "Creating application", {"applications": ["/1.0/applications/" + app_id]},
            rollback=[("DELETE FROM containers WHERE app_id = ?", [app_id]),
                      ("DELETE FROM application_versions WHERE app_id = ?", [app_id]),
                      ("DELETE FROM applications WHERE id = ?", [app_id])],
            after=lambda: lifecycle.start_bootstrap(sim, app_id, 0))
    return envelopes.async_operation(op)


async def get(request):
    data = repo.application(sim_of(request).store, request.match_info["id"])
    return envelopes.sync(data, etag=etag_of(data))


async def patch(request):
    sim = sim_of(request)
    app = repo.application(sim.store, request.match_info["id"])
    if sim.stale_etag.change_concurrently(sim.store, request, "application", app["name"]):
        app = repo.application(sim.store, app["id"])
    check_if_match(request, etag_of(app))
    if uploads.is_upload(request):
        return await _new_version(request, sim, app)
    return await _update_fields(request, sim, app)


async def _new_version(request, sim, app):
    if any(v["status_code"] == 1 for v in app["versions"]):
        raise conflict("application %s is still bootstrapping a version; wait until it is ready" % app["name"])
    upload, manifest, image = await _receive_package(request, sim)
    if manifest["name"] != app["name"]:
        raise bad_request("manifest.yaml names application %r but the URL addresses %r" % (manifest["name"], app["name"]))
    app_id = app["id"]
    previous = dumps(app)
    number = max(v["number"] for v in app["versions"]) + 1
    app["versions"].append(_version_object(number, manifest, image, unix_now()))
    _apply_manifest_fields(app, manifest, image)
    status.set_status(app, status.APPLICATION, 1)
    with sim.store.transaction():
        repo.save_application(sim.store, app)
        _store_version(sim.store, app_id, number, upload, manifest)
        op = sim.ops.create(
            "Updating application", {"applications": ["/1.0/applications/" + app_id]},
            rollback=[("DELETE FROM containers WHERE app_id = ? AND app_version = ?", [app_id, number]),
                      ("DELETE FROM application_versions WHERE app_id = ? AND version = ?", [app_id, number]),
                      ("UPDATE applications SET data = ? WHERE id = ?", [previous, app_id])],
            after=lambda: lifecycle.start_bootstrap(sim, app_id, number))
    return envelopes.async_operation(op)


def _field_updates(sim, body, app):
    what = "application update"
    if not body:
        raise bad_request("application update: no field to change")
    needs_version = sorted(set(body) & set(_NEEDS_NEW_VERSION))
    if needs_version:
        raise bad_request("application update: field(s) %s create a new version (needs the "
                          "application_partial_updates extension): upload a new package instead"
                          % ", ".join(needs_version))
    unknown = sorted(set(body) - set(_IN_PLACE))
    if unknown:
        raise bad_request("application update: unsupported field(s) %s; updatable: %s"
                          % (", ".join(unknown), ", ".join(sorted(_IN_PLACE))))
    updates = {}
    for key in body:
        target = _IN_PLACE[key]
        if target == "instance_type":
            value = field(body, key, str, required=True, what=what)
            if value not in instance_types.TYPES:
                raise bad_request("application update: instance type %r is not one of %s"
                                  % (value, ", ".join(instance_types.NAMES)))
            updates["instance_type"] = value
        elif target == "image":
            ref = field(body, key, str, required=True, what=what)
            image = repo.find_image(sim.store, ref)
            if image is None:
                raise bad_request("application update: image %r does not exist" % ref)
            updates["parent_image_id"] = image["id"]
        elif target in ("tags", "addons"):
            value = string_list(body, key, what)
            if value is None:
                value = []
            if target == "addons":
                missing = [name for name in value if repo.find_addon(sim.store, name) is None]
                if missing:
                    raise bad_request("application update: addon(s) %s do not exist" % ", ".join(missing))
            updates[target] = value
        elif target == "resources":
            value = field(body, key, dict, what=what)
            updates["resources"] = manifests.validate_resources(value or {}) if value else {}
        else:
            updates["inhibit_auto_updates"] = field(body, key, bool, required=True, what=what)
    return updates


async def _update_fields(request, sim, app):
    body = await read_json(request)
    updates = _field_updates(sim, body, app)
    app_id = app["id"]

    def apply():
        current = repo.application(sim.store, app_id)
        current.update(updates)
        repo.save_application(sim.store, current)

    op = sim.ops.create("Updating application", {"applications": ["/1.0/applications/" + app_id]}, apply=apply)
    return envelopes.async_operation(op)


async def delete(request):
    sim = sim_of(request)
    app = repo.application(sim.store, request.match_info["id"])
    app_id = app["id"]
    body = await read_json(request, required=False)
    reject_unknown(body, ("force",), "application removal")
    force = field(body, "force", bool, default=False, what="application removal")
    check_if_match(request, etag_of(app))
    in_use = repo.count_containers(sim.store, "app_id = ?", (app_id,), regular_only=True)
    if in_use and not force:
        raise conflict("application %s has %d container(s); remove them first or use force" % (app["name"], in_use))

    def apply():
        repo.delete_container_rows(sim.store, "app_id = ?", (app_id,))
        sim.store.execute("DELETE FROM application_versions WHERE app_id = ?", (app_id,))
        sim.store.execute("DELETE FROM applications WHERE id = ?", (app_id,))

    op = sim.ops.create("Deleting application", {"applications": ["/1.0/applications/" + app_id]}, apply=apply)
    return envelopes.async_operation(op)


def _app_and_version(request):
    sim = sim_of(request)
    app = repo.application(sim.store, request.match_info["id"])
    number = repo.version_number(request.match_info["version"], "application version")
    return sim, app, repo.app_version(app, number)


async def export_version(request):
    sim, app, version = _app_and_version(request)
    blob = repo.version_blob(sim.store, "application_versions", "app_id", app["id"], version["number"])
    return web.FileResponse(sim.blobs.path(blob), headers={
        "Content-Type": "application/octet-stream",
        "Content-Disposition": 'attachment; filename="%s_%d.tar"' % (app["name"], version["number"])})


async def patch_version(request):
    sim, app, version = _app_and_version(request)
    body = await read_json(request)
    reject_unknown(body, ("published",), "application version update")
    published = field(body, "published", bool, required=True, what="application version update")
    if published and version["status_code"] != 3:
        raise bad_request("version %d of application %s is %s: only active versions can be published"
                          % (version["number"], app["name"], version["status"]))
    app_id, number = app["id"], version["number"]

    def apply():
        current = repo.application(sim.store, app_id)
        target = repo.app_version(current, number)
        target["published"] = published
        enforce_limit(sim.store, current, keep=number)
        repo.save_application(sim.store, current)

    op = sim.ops.create("Updating application version", {"applications": ["/1.0/applications/" + app["name"]]},
                        apply=apply)
    return envelopes.async_operation(op)


async def delete_version(request):
    sim, app, version = _app_and_version(request)
    body = await read_json(request, required=False)
    reject_unknown(body, ("force",), "application version removal")
    force = field(body, "force", bool, default=False, what="application version removal")
    app_id, number = app["id"], version["number"]
    if len(app["versions"]) == 1:
        raise bad_request("version %d is the only version of application %s: delete the application instead"
                          % (number, app["name"]))
    in_use = repo.count_containers(sim.store, "app_id = ? AND app_version = ?", (app_id, number), regular_only=True)
    if in_use and not force:
        raise conflict("version %d of application %s is used by %d container(s); use force to remove it anyway"
                       % (number, app["name"], in_use))

    def apply():
        current = repo.application(sim.store, app_id)
        current["versions"] = [v for v in current["versions"] if v["number"] != number]
        current["published"] = any(v["published"] for v in current["versions"])
        repo.save_application(sim.store, current)
        repo.delete_container_rows(sim.store, "app_id = ? AND app_version = ?", (app_id, number))
        sim.store.execute("DELETE FROM application_versions WHERE app_id = ? AND version = ?", (app_id, number))

    op = sim.ops.create("Delete application version", {"applications": [
        "/1.0/applications/" + app["name"], "/1.0/applications/%d" % number]}, apply=apply)
    return envelopes.async_operation(op)


def _yaml_response(document):
    return web.Response(text=manifests.to_yaml(document), content_type="application/x-yaml")


def _image_name(store, image_id):
    image = repo.find_image(store, image_id)
    return image["name"] if image else image_id


async def app_manifest(request):
    sim = sim_of(request)
    app = repo.application(sim.store, request.match_info["id"])
    latest = max(v["number"] for v in app["versions"])
    manifest = repo.version_manifest(sim.store, app["id"], latest)
    overrides = {"image": _image_name(sim.store, app["parent_image_id"]), "tags": app["tags"],
                 "addons": app["addons"], "resources": app["resources"],
                 "instance-type": app["instance_type"] or None}
    return _yaml_response(manifests.rendered(manifest, overrides["image"], overrides))


async def version_manifest(request):
    sim, app, version = _app_and_version(request)
    manifest = repo.version_manifest(sim.store, app["id"], version["number"])
    return _yaml_response(manifests.rendered(manifest, _image_name(sim.store, version["parent_image_id"])))


def routes(router):
    router.add_get("/1.0/applications", list_applications)
    router.add_post("/1.0/applications", create)
    router.add_get("/1.0/applications/{id}", get)
    router.add_patch("/1.0/applications/{id}", patch)
    router.add_delete("/1.0/applications/{id}", delete)
    router.add_get("/1.0/applications/{id}/manifest", app_manifest)
    router.add_get(r"/1.0/applications/{id}/{version:\d+}", export_version)
    router.add_patch(r"/1.0/applications/{id}/{version:\d+}", patch_version)
    router.add_delete(r"/1.0/applications/{id}/{version:\d+}", delete_version)
    router.add_get(r"/1.0/applications/{id}/{version:\d+}/manifest", version_manifest)
