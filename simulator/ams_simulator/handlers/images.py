"""/1.0/images: Android images and their versions."""

import hashlib

from .. import config_keys, envelopes, extensions, image_server, instances, object_meta, repo, uploads
from ..object_meta import unix_now
from ..errors import OperationFailed, bad_request, conflict, not_found
from . import packages
from .common import FORCE, Field, check_if_match, decode, etag_of, field, read_body, recursion, sim_of

_KINDS = ("tar.gz", "tar.bz2", "tar.xz")
_ARCHITECTURES = ("x86_64", "amd64", "aarch64", "arm64")
# api.ImagesPost of the AMS SDK, the X-AMS-Request of an image upload. path, type and source are for the
# JSON body of an import or a publication, not for an upload.
CREATE_REQUEST = {"name": Field(str), "default": Field(bool), "path": Field(str, unmodelled=True),
                  "type": Field(str, unmodelled=True), "source": Field(dict, pointer=True, unmodelled=True)}
# api.ImagesPost as a JSON body (ImportImage, PublishInstance), with its api.ImagesPostSource.
SOURCE = {"type": Field(str), "instance": Field(str), "force": Field(bool)}
JSON_CREATE = {"name": Field(str), "default": Field(bool), "path": Field(str, unmodelled=True),
               "type": Field(str, unmodelled=True), "source": Field(dict, pointer=True, fields=SOURCE)}
# api.ImagePatch of the AMS SDK: the X-AMS-Request of a re-upload and the body of a JSON PATCH.
PATCH = {"default": Field(bool, pointer=True), "force_sync": Field(bool, unmodelled=True)}
_HEADER = "X-AMS-Request"


def used_by(store, image_id):
    return repo.applications_using_image(store, image_id) or None


def render(store, data):
    data = dict(data)
    data["used_by"] = used_by(store, data["id"])
    return data


def _metadata(contents):
    metadata = contents.read_yaml("metadata.yaml", "image")
    architecture = metadata.get("architecture")
    if not isinstance(architecture, str) or architecture not in _ARCHITECTURES:
        raise bad_request("invalid image: metadata.yaml needs 'architecture' (one of %s), got %r"
                          % (", ".join(_ARCHITECTURES), architecture))
    return metadata


def _version(number, upload):
    entry = packages.version_entry(number, upload, unix_now())
    entry.update(remote_id="")
    return object_meta.set_status(entry, object_meta.IMAGE, 3)


def _make_default(store, image_id):
    for other in repo.all_of(store, "image"):
        if other["id"] != image_id and other.get("default"):
            other["default"] = False
            repo.save(store, "image", other)


async def list_images(request):
    sim = sim_of(request)
    images = repo.all_of(sim.store, "image")
    if recursion(request):
        return envelopes.sync([render(sim.store, image) for image in images])
    return envelopes.sync(["/1.0/images/" + image["id"] for image in images])


async def _receive(request, sim):
    """The uploaded image, kept in the blob store, and its metadata.yaml; a bad package leaves nothing behind."""
    upload, contents = await packages.receive(request, sim, _KINDS, ("metadata.yaml",), "image", list_members=False)
    try:
        metadata = _metadata(contents)
    except BaseException:
        upload.discard()
        raise
    sim.blobs.keep(upload.path, upload.sha256)
    return upload, metadata


async def create(request):
    if uploads.is_json_request(request):
        return await create_from_json(request)
    sim = sim_of(request)
    meta = decode(request, uploads.ams_request_header(request), CREATE_REQUEST, _HEADER, prefix=_HEADER + ".")
    name = packages.check_name(field(meta, "name", str, required=True, what=_HEADER), "image")
    make_default = meta.get("default", False)
    if repo.find(sim.store, "image", name) is not None:
        raise conflict("image %s already exists" % name)
    upload, metadata = await _receive(request, sim)
    image_id = object_meta.new_id()

    def apply():
        if repo.find(sim.store, "image", name) is not None:
            raise OperationFailed("image %s already exists" % name)
        data = {"id": image_id, "name": name, "versions": [_version(0, upload)], "used_by": None,
                "immutable": False, "default": make_default, "architecture": metadata["architecture"]}
        object_meta.set_status(data, object_meta.IMAGE, 3)
        repo.insert(sim.store, "image", data)
        repo.add_version(sim.store, "image", image_id, 0, upload.sha256, metadata)
        if make_default:
            _make_default(sim.store, image_id)

    fail = "image %s: unpacking failed (simulated failure)" % name if sim.failures.matches("image", name) else None
    op = sim.ops.create("Adding image", {"images": ["/1.0/images/" + image_id]}, apply=apply, fail_with=fail)
    return envelopes.async_operation(op)


async def create_from_json(request):
    """An image that is not uploaded: imported from the image server, or published from an instance."""
    sim = sim_of(request)
    body = await read_body(request, JSON_CREATE, "image")
    kind = (body.get("source") or {}).get("type") or "import"
    if kind == "import":
        return _import(sim, body)
    if kind == "instance":
        return _publish(sim, body)
    if kind == "upload":
        raise bad_request("image: source type 'upload' sends the image tarball as the request body "
                          "(Content-Type: application/octet-stream), not JSON")
    raise bad_request("image: unknown source type %r (one of upload, import, instance)" % kind)


def _import(sim, body):
    """Import an image by name from the image server: the operation fails when the server has no such image."""
    name = field(body, "name", str, required=True, what="image")
    if repo.find(sim.store, "image", name) is not None:
        raise conflict("image %s already exists" % name)
    make_default = body.get("default", False)
    entry = image_server.lookup(name)
    server = repo.config_value(sim.store, "images.url", config_keys.default("images.url"))
    image_id = object_meta.new_id()
    fail = None
    if entry is None:
        fail = ("failed to import image %s: the image server %s has no image named %s (it has %s)"
                % (name, server, name, ", ".join(image_server.names())))
    elif sim.failures.matches("image", name):
        fail = "failed to import image %s: download from %s failed (simulated failure)" % (name, server)

    def apply():
        if repo.find(sim.store, "image", name) is not None:
            raise OperationFailed("image %s already exists" % name)
        architecture, remote_id, size, fingerprint = entry
        version = {"version": 0, "fingerprint": fingerprint, "size": size, "created_at": unix_now(),
                   "remote_id": remote_id}
        object_meta.set_status(version, object_meta.IMAGE, 3)
        # Images of the image server are AMS's to update (it syncs them), not the user's.
        data = {"id": image_id, "name": name, "versions": [version], "used_by": None, "immutable": True,
                "default": make_default, "architecture": architecture}
        object_meta.set_status(data, object_meta.IMAGE, 3)
        repo.insert(sim.store, "image", data)
        repo.add_version(sim.store, "image", image_id, 0, fingerprint,
                         {"architecture": architecture, "source": server + name})
        if make_default:
            _make_default(sim.store, image_id)

    op = sim.ops.create("Importing image", {"images": ["/1.0/images/" + image_id]}, apply=apply, fail_with=fail)
    return envelopes.async_operation(op)


RUNNING, STOPPED = 4, 5


def _publish(sim, body):
    """Publish an instance as a new image (instance_publish): a stopped one at once, a running one with
    source.force once it is stopped."""
    extensions.require(sim, "instance_publish", "publishing an instance as an image (source type 'instance')")
    name = packages.check_name(field(body, "name", str, required=True, what="image"), "image")
    source = body["source"]
    reference = field(source, "instance", str, required=True, what="image: source")
    data = instances.find(sim.store, reference)
    if data is None or data["type"] != "regular":
        raise not_found("instance %s not found" % reference)
    if repo.find(sim.store, "image", name) is not None:
        raise conflict("image %s already exists" % name)
    instance_id, instance_name, code = data["id"], data["name"], data["status_code"]
    if code == -1:
        raise bad_request("instance %s is in error state (%s): it cannot be published"
                          % (instance_name, data["error_message"]))
    if code not in (RUNNING, STOPPED):
        raise bad_request("instance %s is %s; wait until it is running or stopped before publishing it"
                          % (instance_name, data["status"]))
    force = source.get("force", False)
    if code == RUNNING and not force:
        raise bad_request("instance %s is running: stop it before publishing it, or set source.force to have it "
                          "stopped first" % instance_name)
    image_id = object_meta.new_id()
    make_default = body.get("default", False)
    resources = {"images": ["/1.0/images/" + image_id], "instances": ["/1.0/instances/" + instance_id]}
    fail = None
    if sim.failures.matches("image", name):
        fail = "failed to publish instance %s as image %s: export failed (simulated failure)" % (instance_name, name)

    def make_image():
        if repo.find(sim.store, "image", name) is not None:
            raise OperationFailed("image %s already exists" % name)
        source_image = repo.find(sim.store, "image", data["image_id"]) if data["image_id"] else None
        architecture = data.get("architecture") or (source_image or {}).get("architecture") or "x86_64"
        fingerprint = hashlib.sha256(("%s/%s" % (instance_id, image_id)).encode()).hexdigest()
        version = {"version": 0, "fingerprint": fingerprint, "size": 0, "created_at": unix_now(), "remote_id": ""}
        object_meta.set_status(version, object_meta.IMAGE, 3)
        image = {"id": image_id, "name": name, "versions": [version], "used_by": None, "immutable": False,
                 "default": make_default, "architecture": architecture}
        object_meta.set_status(image, object_meta.IMAGE, 3)
        repo.insert(sim.store, "image", image)
        repo.add_version(sim.store, "image", image_id, 0, fingerprint,
                         {"architecture": architecture, "source": "instance %s" % instance_name})
        if make_default:
            _make_default(sim.store, image_id)

    if code == STOPPED or fail is not None:
        op = sim.ops.create("Publishing instance", resources, apply=make_image, fail_with=fail)
        return envelopes.async_operation(op)
    with sim.store.transaction():
        extra = instances.extras(sim.store, instance_id)
        extra["desired_status"] = "stopped"
        instances.save_extras(sim.store, instance_id, instance_name, extra)
        op = sim.ops.create_external("Publishing instance", resources)
    stopped = sim.instance_lifecycle.wait_for(instance_id, "stopped")
    stopped.add_done_callback(lambda future: _publish_once_stopped(sim, op["id"], instance_name, future.result(),
                                                                   make_image))
    sim.instance_lifecycle.schedule(instance_id)
    return envelopes.async_operation(op)


def _publish_once_stopped(sim, op_id, instance_name, error, make_image):
    if error is None:
        try:
            with sim.store.transaction():
                make_image()
        except OperationFailed as exc:
            error = str(exc)
    else:
        error = "failed to stop instance %s before publishing it: %s" % (instance_name, error)
    sim.ops.finish_external(op_id, error=error)


async def get(request):
    sim = sim_of(request)
    data = render(sim.store, repo.get(sim.store, "image", request.match_info["id"]))
    return envelopes.sync(data, etag=etag_of(data))


async def patch(request):
    sim = sim_of(request)
    current = repo.get(sim.store, "image", request.match_info["id"])
    image_id, name = current["id"], current["name"]
    check_if_match(request, etag_of(render(sim.store, current)))
    if uploads.is_upload(request):
        if current.get("immutable"):
            raise bad_request("image %s is immutable: it comes from the image server, and AMS updates it from "
                              "there" % name)
        meta = decode(request, uploads.ams_request_header(request), PATCH, _HEADER, prefix=_HEADER + ".")
        # default: true makes this image the default; false or null leaves the default as it is.
        make_default = meta.get("default", False)
        upload, metadata = await _receive(request, sim)

        def apply():
            image = repo.get(sim.store, "image", image_id)
            number = max(v["version"] for v in image["versions"]) + 1
            image["versions"].append(_version(number, upload))
            if make_default:
                image["default"] = True
            repo.save(sim.store, "image", image)
            repo.add_version(sim.store, "image", image_id, number, upload.sha256, metadata)
            if make_default:
                _make_default(sim.store, image_id)

        fail = "image %s: unpacking failed (simulated failure)" % name if sim.failures.matches("image", name) else None
        op = sim.ops.create("Updating image", {"images": ["/1.0/images/" + image_id]}, apply=apply, fail_with=fail)
        return envelopes.async_operation(op)

    body = await read_body(request, PATCH, "image update")
    make_default = body.get("default")
    if make_default is False and current["default"]:
        raise bad_request("image %s is the default image: AMS only makes an image the default (\"default\": true); "
                          "to change the default, set it on another image" % name)

    def apply_fields():
        image = repo.get(sim.store, "image", image_id)
        if make_default:
            image["default"] = True
        repo.save(sim.store, "image", image)
        if make_default:
            _make_default(sim.store, image_id)

    op = sim.ops.create("Updating image", {"images": ["/1.0/images/" + image_id]}, apply=apply_fields)
    return envelopes.async_operation(op)


async def delete(request):
    sim = sim_of(request)
    current = repo.get(sim.store, "image", request.match_info["id"])
    image_id = current["id"]
    force = (await read_body(request, FORCE, "image removal", required=False)).get("force", False)
    check_if_match(request, etag_of(render(sim.store, current)))
    apps = used_by(sim.store, image_id) or []
    containers = repo.count_containers(sim.store, image_id=image_id)
    if (apps or containers) and not force:
        raise conflict("image %s is in use by %s; use force to remove it anyway"
                       % (current["name"], _usage(apps, containers)))

    def apply():
        repo.delete_containers(sim.store, image_id=image_id)
        repo.delete_versions(sim.store, "image", image_id)
        repo.delete(sim.store, "image", image_id)

    op = sim.ops.create("Deleting image", {"images": ["/1.0/images/" + image_id]}, apply=apply)
    return envelopes.async_operation(op)


def _usage(apps, containers):
    parts = []
    if apps:
        parts.append("application(s) %s" % ", ".join(apps))
    if containers:
        parts.append("%d container(s)" % containers)
    return " and ".join(parts)


async def delete_version(request):
    sim = sim_of(request)
    current = repo.get(sim.store, "image", request.match_info["id"])
    image_id, name = current["id"], current["name"]
    number = repo.version_number(request.match_info["version"], "image version")
    if not any(v["version"] == number for v in current["versions"]):
        raise not_found("image %s has no version %d" % (name, number))
    force = (await read_body(request, FORCE, "image version removal", required=False)).get("force", False)
    if len(current["versions"]) == 1:
        raise bad_request("version %d is the only version of image %s: delete the image instead" % (number, name))
    apps = repo.applications_using_image(sim.store, image_id, number)
    containers = repo.count_containers(sim.store, image_id=image_id, image_version=number)
    if (apps or containers) and not force:
        raise conflict("version %d of image %s is in use by %s; use force to remove it anyway"
                       % (number, name, _usage(apps, containers)))

    def apply():
        image = repo.get(sim.store, "image", image_id)
        image["versions"] = [v for v in image["versions"] if v["version"] != number]
        repo.save(sim.store, "image", image)
        repo.delete_containers(sim.store, image_id=image_id, image_version=number)
        repo.delete_versions(sim.store, "image", image_id, number)

    op = sim.ops.create("Deleting image version", {"images": ["/1.0/images/" + name]}, apply=apply)
    return envelopes.async_operation(op)


def routes(router):
    router.add_get("/1.0/images", list_images)
    router.add_post("/1.0/images", create)
    router.add_get("/1.0/images/{id}", get)
    router.add_patch("/1.0/images/{id}", patch)
    router.add_delete("/1.0/images/{id}", delete)
    router.add_delete("/1.0/images/{id}/{version}", delete_version)
