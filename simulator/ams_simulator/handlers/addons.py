"""/1.0/addons: addons and their versions."""

from .. import envelopes, repo, uploads
from ..object_meta import unix_now
from ..errors import OperationFailed, bad_request, conflict, not_found
from . import packages
from .common import Field, check_if_match, decode, etag_of, field, recursion, sim_of

_KINDS = ("tar.bz2", "zip")
_MANIFEST_KEYS = ("name", "description", "provides", "hooks")
# api.AddonsPost and api.AddonPatch of the AMS SDK: the X-AMS-Request of an upload and of an update.
CREATE_REQUEST = {"name": Field(str)}
PATCH_REQUEST = {}
_HEADER = "X-AMS-Request"


def used_by(store, name):
    return repo.applications_using_addon(store, name) or None


def render(store, data):
    data = dict(data)
    data["used_by"] = used_by(store, data["name"])
    return data


def _manifest(contents, name):
    manifest = contents.read_yaml("manifest.yaml", "addon")
    unknown = sorted(set(manifest) - set(_MANIFEST_KEYS))
    if unknown:
        raise bad_request("invalid addon: unknown manifest key(s) %s" % ", ".join(unknown))
    for key in ("name", "description"):
        if not isinstance(manifest.get(key), str) or not manifest[key].strip():
            raise bad_request("invalid addon: manifest.yaml needs a non-empty string %r" % key)
    if manifest["name"] != name:
        raise bad_request("invalid addon: manifest.yaml names addon %r but the request is for %r"
                          % (manifest["name"], name))
    hooks = {member: executable for member, (is_file, executable) in contents.members.items()
             if member.startswith("hooks/") and member.count("/") == 1 and is_file}
    if not hooks:
        raise bad_request("invalid addon: the package needs a hooks/ directory with at least one hook")
    if not any(executable is not False for executable in hooks.values()):
        raise bad_request("invalid addon: no hook in hooks/ is executable (%s)" % ", ".join(sorted(hooks)))
    return manifest


async def list_addons(request):
    sim = sim_of(request)
    if recursion(request):
        return envelopes.sync([render(sim.store, addon) for addon in repo.all_of(sim.store, "addon")])
    return envelopes.sync(["/1.0/addons/" + name for name in repo.keys(sim.store, "addon")])


async def _receive(request, sim, name):
    upload, contents = await packages.receive(request, sim, _KINDS, ("manifest.yaml",), "addon")
    try:
        manifest = _manifest(contents, name)
    except BaseException:
        upload.discard()
        raise
    sim.blobs.keep(upload.path, upload.sha256)
    return upload, manifest


def _failure(sim, name):
    return "addon %s: install hook failed (simulated failure)" % name if sim.failures.matches("addon", name) else None


async def create(request):
    sim = sim_of(request)
    meta = decode(request, uploads.ams_request_header(request), CREATE_REQUEST, _HEADER, prefix=_HEADER + ".")
    name = packages.check_name(field(meta, "name", str, required=True, what=_HEADER), "addon")
    if repo.find(sim.store, "addon", name) is not None:
        raise conflict("addon %s already exists" % name)
    upload, manifest = await _receive(request, sim, name)

    def apply():
        if repo.find(sim.store, "addon", name) is not None:
            raise OperationFailed("addon %s already exists" % name)
        repo.insert(sim.store, "addon", {"name": name, "versions": [packages.version_entry(0, upload, unix_now())],
                                         "used_by": None})
        repo.add_version(sim.store, "addon", name, 0, upload.sha256, manifest)

    op = sim.ops.create("Creating addon", {"addons": ["/1.0/addons/" + name]}, apply=apply,
                        fail_with=_failure(sim, name))
    return envelopes.async_operation(op)


async def get(request):
    sim = sim_of(request)
    data = render(sim.store, repo.get(sim.store, "addon", request.match_info["name"]))
    return envelopes.sync(data, etag=etag_of(data))


async def patch(request):
    sim = sim_of(request)
    name = request.match_info["name"]
    current = repo.get(sim.store, "addon", name)
    check_if_match(request, etag_of(render(sim.store, current)))
    decode(request, uploads.ams_request_header(request), PATCH_REQUEST, _HEADER, prefix=_HEADER + ".")
    upload, manifest = await _receive(request, sim, name)

    def apply():
        addon = repo.get(sim.store, "addon", name)
        number = max(v["version"] for v in addon["versions"]) + 1
        addon["versions"].append(packages.version_entry(number, upload, unix_now()))
        repo.save(sim.store, "addon", addon)
        repo.add_version(sim.store, "addon", name, number, upload.sha256, manifest)

    op = sim.ops.create("Updating addon", {"addons": ["/1.0/addons/" + name]}, apply=apply,
                        fail_with=_failure(sim, name))
    return envelopes.async_operation(op)


async def delete(request):
    sim = sim_of(request)
    name = request.match_info["name"]
    current = repo.get(sim.store, "addon", name)
    check_if_match(request, etag_of(render(sim.store, current)))
    apps = used_by(sim.store, name)
    if apps:
        raise conflict("addon %s is used by application(s) %s" % (name, ", ".join(apps)))

    def apply():
        repo.delete_versions(sim.store, "addon", name)
        repo.delete(sim.store, "addon", name)

    op = sim.ops.create("Deleting addon", {"addons": ["/1.0/addons/" + name]}, apply=apply)
    return envelopes.async_operation(op)


async def delete_version(request):
    sim = sim_of(request)
    name = request.match_info["name"]
    current = repo.get(sim.store, "addon", name)
    number = repo.version_number(request.match_info["version"], "addon version")
    if not any(v["version"] == number for v in current["versions"]):
        raise not_found("addon %s has no version %d" % (name, number))
    if len(current["versions"]) == 1:
        raise bad_request("version %d is the only version of addon %s: delete the addon instead" % (number, name))

    def apply():
        addon = repo.get(sim.store, "addon", name)
        addon["versions"] = [v for v in addon["versions"] if v["version"] != number]
        repo.save(sim.store, "addon", addon)
        repo.delete_versions(sim.store, "addon", name, number)

    op = sim.ops.create("Deleting addon version", {"addons": ["/1.0/addons/" + name]}, apply=apply)
    return envelopes.async_operation(op)


def routes(router):
    router.add_get("/1.0/addons", list_addons)
    router.add_post("/1.0/addons", create)
    router.add_get("/1.0/addons/{name}", get)
    router.add_patch("/1.0/addons/{name}", patch)
    router.add_delete("/1.0/addons/{name}", delete)
    router.add_delete("/1.0/addons/{name}/{version}", delete_version)
