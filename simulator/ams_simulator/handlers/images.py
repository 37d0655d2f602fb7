"""/1.0/images: Android images and their versions."""

from .. import envelopes, object_meta, repo, uploads
from ..object_meta import unix_now
from ..errors import OperationFailed, bad_request, conflict, not_found
from . import packages
from .common import FORCE, Field, check_if_match, decode, etag_of, field, read_body, recursion, sim_of

_KINDS = ("tar.gz", "tar.bz2", "tar.xz")
_ARCHITECTURES = ("x86_64", "amd64", "aarch64", "arm64")
# api.ImagesPost of the AMS SDK, the X-AMS-Request of an image upload. path, type and source are for imports
# from an image server, which the simulator does not have.
CREATE_REQUEST = {"name": Field(str), "default": Field(bool), "path": Field(str, unmodelled=True),
                  "type": Field(str, unmodelled=True), "source": Field(dict, pointer=True, unmodelled=True)}
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
