"""/1.0/applications: applications, their versions and manifests."""

import asyncio
import copy
import io
import os
import tarfile
import tempfile

import yaml
from aiohttp import web

from .. import archives, envelopes, extensions, instance_types, lifecycle, manifest as manifests, object_meta, repo
from .. import uploads
from ..object_meta import unix_now
from ..errors import bad_request, conflict
from ..sizes import parse_size
from . import packages
from .common import FORCE, Field, check_if_match, etag_of, field, read_body, recursion, sim_of

_KINDS = ("tar.bz2", "zip")
# api.ApplicationResourcesPost of the AMS SDK.
_RESOURCES = {"cpus": Field(int, pointer=True), "memory": Field(str, pointer=True),
              "disk-size": Field(str, pointer=True), "gpu-slots": Field(int, pointer=True),
              "gpu-type": Field(str, pointer=True, unmodelled=True), "vpu-slots": Field(int, pointer=True),
              "no_disk_reserve": Field(bool, pointer=True)}
_WATCHDOG = {"disabled": Field(bool), "allowed-packages": Field(list, items=str)}
_SERVICE = {"name": Field(str), "port": Field(int), "port_end": Field(int), "protocols": Field(list, items=str),
            "expose": Field(bool)}
# api.ApplicationPatch of the AMS SDK: what AMS reads from a JSON PATCH of an application.
PATCH = {
    "image": Field(str, pointer=True), "instance-type": Field(str, pointer=True),
    "tags": Field(list, pointer=True, items=str), "addons": Field(list, pointer=True, items=str),
    "resources": Field(dict, pointer=True, fields=_RESOURCES), "inhibit_auto_updates": Field(bool, pointer=True),
    "services": Field(list, pointer=True, items=_SERVICE), "watchdog": Field(dict, pointer=True, fields=_WATCHDOG),
    "boot_activity": Field(str, pointer=True), "required_permissions": Field(list, pointer=True, items=str),
    "video_encoder": Field(str, pointer=True), "manifest_version": Field(str, pointer=True),
    "features": Field(list, pointer=True, items=str, unmodelled=True),
    "hooks": Field(dict, pointer=True, unmodelled=True), "bootstrap": Field(dict, pointer=True, unmodelled=True),
    "node_selector": Field(list, pointer=True, items=str, unmodelled=True),
}
PATCH_HINTS = {"instance_type": "instance-type", "inhibit-auto-updates": "inhibit_auto_updates",
               "boot-activity": "boot_activity", "required-permissions": "required_permissions",
               "video-encoder": "video_encoder", "manifest-version": "manifest_version",
               "resources.cpu": "cpus", "resources.disk_size": "disk-size", "resources.gpu_slots": "gpu-slots",
               "resources.vpu_slots": "vpu-slots", "resources.no-disk-reserve": "no_disk_reserve"}
# Fields that create a new application version (they need the application_partial_updates extension).
NEW_VERSION_FIELDS = ("services", "watchdog", "boot_activity", "required_permissions", "video_encoder",
                      "manifest_version")
VERSION_PATCH = {"published": Field(bool, pointer=True)}
# The `resources` of an application that sets none: GPU slots unset (-1), as the reference shows.
UNSET_RESOURCES = {"gpu-slots": -1}
PARTIAL_UPDATES = "application_partial_updates"


def app_resources(manifest_resources):
    """The `resources` object of an application: the manifest's, GPU slots -1 when not set."""
    resources = dict(UNSET_RESOURCES)
    resources.update(manifest_resources or {})
    return resources


def _addon_refs(store, names):
    """A version's addons: name and the addon version it was made with (api.ApplicationAddon)."""
    refs = []
    for name in names or []:
        addon = repo.find(store, "addon", name)
        refs.append({"name": name, "version": max(v["version"] for v in addon["versions"]) if addon else 0})
    return refs


def _version_object(store, number, manifest, image, upload_created):
    watchdog = manifest.get("watchdog") or {}
    version = {
        "number": number, "manifest_version": manifest.get("version") or "", "parent_image_id": image["id"],
        "parent_image_version": max(v["version"] for v in image["versions"]), "published": False,
        "created_at": upload_created, "boot_activity": manifest.get("boot-activity") or "",
        "required_permissions": manifest.get("required-permissions"),
        "addons": _addon_refs(store, manifest.get("addons")),
        "extra_data": manifest.get("extra-data") or {}, "error_message": "",
        "video_encoder": manifest.get("video-encoder") or "gpu-preferred",
        "watchdog": {"disabled": bool(watchdog.get("disabled", False)),
                     "allowed-packages": watchdog.get("allowed-packages")},
    }
    return object_meta.set_status(version, object_meta.VERSION, 1)


def _apply_manifest_fields(app, manifest, image):
    """A new version sets the application's fields to what its manifest says (keys it leaves out stay)."""
    app["parent_image_id"] = image["id"]
    if manifest.get("instance-type") is not None:
        app["instance_type"] = manifest["instance-type"]
    if manifest.get("boot-package") is not None:
        app["boot_package"] = manifest["boot-package"]
    for key in ("tags", "addons"):
        if manifest.get(key) is not None:
            app[key] = manifest[key]
    if manifest.get("resources") is not None:
        app["resources"] = app_resources(manifest["resources"])
    if manifest.get("abi") is not None:
        app["abi"] = manifest["abi"]


async def _receive_package(request, sim):
    upload, contents = await packages.receive(request, sim, _KINDS, ("manifest.yaml",), "application")
    try:
        manifest, image = manifests.validate(manifests.read(contents), sim.store)
    except BaseException:
        upload.discard()
        raise
    sim.blobs.keep(upload.path, upload.sha256)
    return upload.sha256, manifest, image


async def list_applications(request):
    sim = sim_of(request)
    if recursion(request):
        return envelopes.sync_raw(repo.listing(sim.store, "application"))
    return envelopes.sync(["/1.0/applications/" + app_id for app_id in repo.keys(sim.store, "application")])


async def create(request):
    sim = sim_of(request)
    if request.query.get("vm", "false").lower() not in ("false", "0", ""):
        extensions.require(sim, "vm_support", "a virtual-machine application (?vm=true)")
        raise bad_request("virtual-machine applications (?vm=true) are not simulated; launch an instance with "
                          "type vm instead")
    blob, manifest, image = await _receive_package(request, sim)
    name = manifest["name"]
    if repo.find(sim.store, "application", name) is not None:
        raise conflict("application %s already exists" % name)
    app_id = object_meta.new_id()
    now = unix_now()
    app = {
        "id": app_id, "name": name, "instance_type": manifest.get("instance-type") or "",
        "boot_package": manifest.get("boot-package") or "", "parent_image_id": image["id"], "published": False,
        "versions": [_version_object(sim.store, 0, manifest, image, now)], "addons": manifest.get("addons") or [],
        "created_at": now, "immutable": False, "tags": manifest.get("tags"),
        "resources": app_resources(manifest.get("resources")), "abi": manifest.get("abi") or "x86_64",
        "inhibit_auto_updates": False,
    }
    object_meta.set_status(app, object_meta.APPLICATION, 1)
    with sim.store.transaction():
        repo.insert(sim.store, "application", app)
        repo.add_version(sim.store, "application", app_id, 0, blob, manifest)
        op = sim.ops.create(
            "Creating application", {"applications": ["/1.0/applications/" + app_id]},
            rollback=[repo.undo_step("delete_containers", app_id=app_id),
                      repo.undo_step("delete_versions", kind="application", owner=app_id),
                      repo.undo_step("delete", kind="application", key=app_id)],
            after=lambda: lifecycle.start_bootstrap(sim, app_id, 0))
    return envelopes.async_operation(op)


async def get(request):
    data = repo.get(sim_of(request).store, "application", request.match_info["id"])
    return envelopes.sync(data, etag=etag_of(data))


async def patch(request):
    sim = sim_of(request)
    app = repo.get(sim.store, "application", request.match_info["id"])
    if sim.stale_etag.change_concurrently(sim.store, request, "application", app["name"]):
        app = repo.get(sim.store, "application", app["id"])
    check_if_match(request, etag_of(app))
    if uploads.is_upload(request):
        return await _new_version_from_package(request, sim, app)
    return await _update_fields(request, sim, app)


def _refuse_while_bootstrapping(app):
    if any(v["status_code"] == 1 for v in app["versions"]):
        raise conflict("application %s is still bootstrapping a version; wait until it is ready" % app["name"])


async def _new_version_from_package(request, sim, app):
    _refuse_while_bootstrapping(app)
    blob, manifest, image = await _receive_package(request, sim)
    if manifest["name"] != app["name"]:
        raise bad_request("manifest.yaml names application %r but the URL addresses %r" % (manifest["name"], app["name"]))
    return envelopes.async_operation(_add_version(sim, app, blob, manifest, image))


def _add_version(sim, app, blob, manifest, image, in_place=None):
    """Operation making a new version of app from blob + manifest, bootstrapped after the operation
    (in_place: field changes made together with it)."""
    app_id = app["id"]
    previous = copy.deepcopy(app)
    number = max(v["number"] for v in app["versions"]) + 1
    app.update(in_place or {})
    app["versions"].append(_version_object(sim.store, number, manifest, image, unix_now()))
    _apply_manifest_fields(app, manifest, image)
    object_meta.set_status(app, object_meta.APPLICATION, 1)
    with sim.store.transaction():
        repo.save(sim.store, "application", app)
        repo.add_version(sim.store, "application", app_id, number, blob, manifest)
        return sim.ops.create(
            "Updating application", {"applications": ["/1.0/applications/" + app_id]},
            rollback=[repo.undo_step("delete_containers", app_id=app_id, app_version=number),
                      repo.undo_step("delete_versions", kind="application", owner=app_id, number=number),
                      repo.undo_step("restore", kind="application", data=previous)],
            after=lambda: lifecycle.start_bootstrap(sim, app_id, number))


def _in_place_updates(sim, body, app):
    what = "application update"
    updates = {}
    if "instance-type" in body:
        value = body["instance-type"]
        if value not in instance_types.TYPES:
            raise bad_request("%s: instance type %r is not one of %s" % (what, value, ", ".join(instance_types.NAMES)))
        updates["instance_type"] = value
    if "image" in body:
        image = repo.find(sim.store, "image", body["image"])
        if image is None:
            raise bad_request("%s: image %r does not exist" % (what, body["image"]))
        updates["parent_image_id"] = image["id"]
    if "tags" in body:
        updates["tags"] = body["tags"]
    if "addons" in body:
        missing = [name for name in body["addons"] if repo.find(sim.store, "addon", name) is None]
        if missing:
            raise bad_request("%s: addon(s) %s do not exist" % (what, ", ".join(missing)))
        updates["addons"] = body["addons"]
    if "resources" in body:
        updates["resources"] = _merged_resources(app["resources"], body["resources"])
    if "inhibit_auto_updates" in body:
        updates["inhibit_auto_updates"] = body["inhibit_auto_updates"]
    return updates


def _merged_resources(current, given):
    """Resources PATCH: each key given replaces that key (the SDK's pointers: a key left out stays)."""
    what = "application update: resources"
    for key, minimum in (("cpus", 1), ("gpu-slots", -1), ("vpu-slots", 0)):
        if key in given and given[key] < minimum:
            raise bad_request("%s.%s must be at least %d, got %d" % (what, key, minimum, given[key]))
    for key in ("memory", "disk-size"):
        if key in given:
            parse_size(given[key], "%s.%s" % (what, key))
    merged = dict(current or UNSET_RESOURCES)
    merged.update(given)
    # The SDK's ApplicationResources omits zero values (omitempty); unset GPU slots are -1, not zero.
    return {key: value for key, value in merged.items() if value not in (0, "")}


def _manifest_changes(body):
    """The manifest of a new version made by a PATCH of NEW_VERSION_FIELDS (manifest spelling)."""
    changes = {}
    if "services" in body:
        changes["services"] = []
        for service in body["services"]:
            entry = {"name": service.get("name", ""), "port": service.get("port"),
                     "protocols": service.get("protocols", ["tcp"]), "expose": service.get("expose", False)}
            if "port_end" in service:
                entry["port-end"] = service["port_end"]
            changes["services"].append(entry)
    if "watchdog" in body:
        changes["watchdog"] = {"disabled": body["watchdog"].get("disabled", False),
                               "allowed-packages": body["watchdog"].get("allowed-packages", [])}
    for key, manifest_key in (("boot_activity", "boot-activity"), ("required_permissions", "required-permissions"),
                              ("video_encoder", "video-encoder"), ("manifest_version", "version")):
        if key in body:
            changes[manifest_key] = body[key]
    return changes


async def _update_fields(request, sim, app):
    body = await read_body(request, PATCH, "application update", hints=PATCH_HINTS)
    new_version = sorted(set(body) & set(NEW_VERSION_FIELDS))
    if new_version:
        extensions.require(sim, PARTIAL_UPDATES, "application update of %s (creates a new version)"
                           % ", ".join(new_version))
        _refuse_while_bootstrapping(app)
    updates = _in_place_updates(sim, body, app)
    if new_version:
        latest = max(v["number"] for v in app["versions"])
        manifest = dict(repo.version_document(sim.store, "application", app["id"], latest))
        manifest.update(_manifest_changes(body))
        image = repo.find(sim.store, "image", updates.get("parent_image_id", app["parent_image_id"]))
        manifest["image"] = image["name"]
        manifests.validate(manifest, sim.store)
        blob = repo.version_blob(sim.store, "application", app["id"], latest)
        return envelopes.async_operation(_add_version(sim, app, blob, manifest, image, updates))
    app_id = app["id"]

    def apply():
        current = repo.get(sim.store, "application", app_id)
        current.update(updates)
        repo.save(sim.store, "application", current)

    op = sim.ops.create("Updating application", {"applications": ["/1.0/applications/" + app_id]}, apply=apply)
    return envelopes.async_operation(op)


async def delete(request):
    sim = sim_of(request)
    app = repo.get(sim.store, "application", request.match_info["id"])
    app_id = app["id"]
    force = (await read_body(request, FORCE, "application removal", required=False)).get("force", False)
    check_if_match(request, etag_of(app))
    in_use = repo.count_containers(sim.store, regular_only=True, app_id=app_id)
    if in_use and not force:
        raise conflict("application %s has %d container(s); remove them first or use force" % (app["name"], in_use))

    def apply():
        repo.delete_containers(sim.store, app_id=app_id)
        repo.delete_versions(sim.store, "application", app_id)
        repo.delete(sim.store, "application", app_id)

    op = sim.ops.create("Deleting application", {"applications": ["/1.0/applications/" + app_id]}, apply=apply)
    return envelopes.async_operation(op)


def _app_and_version(request):
    sim = sim_of(request)
    app = repo.get(sim.store, "application", request.match_info["id"])
    number = repo.version_number(request.match_info["version"], "application version")
    return sim, app, repo.app_version(app, number)


def _write_export(path, app, version, manifest, package):
    """An application image as the reference describes the export: metadata.yaml and a rootfs. The rootfs
    holds only the application's manifest and package (there is no Android system to put beside them)."""
    metadata = {"architecture": app["abi"], "creation_date": version["created_at"],
                "properties": {"application": app["name"], "application_version": version["number"],
                               "description": "%s version %d" % (app["name"], version["number"])}}
    kind = archives.detect_kind(package) or "tar.bz2"
    with tarfile.open(path, "w") as archive:
        for name, data in (("metadata.yaml", yaml.safe_dump(metadata).encode()),
                           ("rootfs/var/lib/anbox/application/manifest.yaml", manifests.to_yaml(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, version["created_at"]
            archive.addfile(info, io.BytesIO(data))
        archive.add(package, "rootfs/var/lib/anbox/application/package." + kind, recursive=False)


async def export_version(request):
    sim, app, version = _app_and_version(request)
    blob = repo.version_blob(sim.store, "application", app["id"], version["number"])
    manifest = repo.version_document(sim.store, "application", app["id"], version["number"])
    fd, path = tempfile.mkstemp(dir=sim.blobs.tmp_directory, prefix="export-")
    os.close(fd)
    try:
        await asyncio.get_event_loop().run_in_executor(None, _write_export, path, app, version, manifest,
                                                       sim.blobs.path(blob))
        response = web.StreamResponse(headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": 'attachment; filename="%s_%d.tar"' % (app["name"], version["number"])})
        response.content_length = os.path.getsize(path)
        await response.prepare(request)
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(256 * 1024), b""):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        os.unlink(path)


async def patch_version(request):
    sim, app, version = _app_and_version(request)
    body = await read_body(request, VERSION_PATCH, "application version update")
    published = field(body, "published", bool, required=True, what="application version update")
    if published and version["status_code"] != 3:
        raise bad_request("version %d of application %s is %s: only active versions can be published"
                          % (version["number"], app["name"], version["status"]))
    app_id, number = app["id"], version["number"]

    def apply():
        current = repo.get(sim.store, "application", app_id)
        target = repo.app_version(current, number)
        target["published"] = published
        current["published"] = any(v["published"] for v in current["versions"])
        repo.save(sim.store, "application", current)

    op = sim.ops.create("Updating application version", {"applications": ["/1.0/applications/" + app["name"]]},
                        apply=apply)
    return envelopes.async_operation(op)


async def delete_version(request):
    sim, app, version = _app_and_version(request)
    force = (await read_body(request, FORCE, "application version removal", required=False)).get("force", False)
    app_id, number = app["id"], version["number"]
    if len(app["versions"]) == 1:
        raise bad_request("version %d is the only version of application %s: delete the application instead"
                          % (number, app["name"]))
    in_use = repo.count_containers(sim.store, regular_only=True, app_id=app_id, app_version=number)
    if in_use and not force:
        raise conflict("version %d of application %s is used by %d container(s); use force to remove it anyway"
                       % (number, app["name"], in_use))

    def apply():
        current = repo.get(sim.store, "application", app_id)
        current["versions"] = [v for v in current["versions"] if v["number"] != number]
        current["published"] = any(v["published"] for v in current["versions"])
        repo.save(sim.store, "application", current)
        repo.delete_containers(sim.store, app_id=app_id, app_version=number)
        repo.delete_versions(sim.store, "application", app_id, number)

    op = sim.ops.create("Delete application version", {"applications": [
        "/1.0/applications/" + app["name"], "/1.0/applications/%d" % number]}, apply=apply)
    return envelopes.async_operation(op)


def _yaml_response(document):
    return web.Response(text=manifests.to_yaml(document), content_type="application/x-yaml")


def _image_name(store, image_id):
    image = repo.find(store, "image", image_id)
    return image["name"] if image else image_id


async def app_manifest(request):
    sim = sim_of(request)
    app = repo.get(sim.store, "application", request.match_info["id"])
    latest = max(v["number"] for v in app["versions"])
    manifest = repo.version_document(sim.store, "application", app["id"], latest)
    resources = {key: value for key, value in app["resources"].items() if (key, value) != ("gpu-slots", -1)}
    overrides = {"image": _image_name(sim.store, app["parent_image_id"]), "tags": app["tags"],
                 "addons": app["addons"], "resources": resources,
                 "instance-type": app["instance_type"] or None}
    return _yaml_response(manifests.rendered(manifest, overrides["image"], overrides))


async def version_manifest(request):
    sim, app, version = _app_and_version(request)
    manifest = repo.version_document(sim.store, "application", app["id"], version["number"])
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
