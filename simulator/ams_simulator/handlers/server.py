"""GET /, /1.0 and /1.0/version."""

from .. import envelopes

API_EXTENSIONS = [
    "zip_archive_support",
    "container_logs",
    "application_manifest_download",
    "application_image_export",
    "application_watchdog_settings",
    "application_resource_customization",
    "application_services_configuration",
    "application_manifest_version",
    "application_gpu_encoder",
]
# What a server with instances announces on top; an older AMS (--without-instances) has none of them.
INSTANCE_EXTENSIONS = [
    "instance_support",
    "vm_support",
    "instance_exec",
    "container_exec",
]
SERVER_VERSION = "1.7.3"


def announced_extensions(options):
    names = list(API_EXTENSIONS)
    if not getattr(options, "without_instances", False):
        names += INSTANCE_EXTENSIONS
    left_out = getattr(options, "without_extension", None) or ()
    return [name for name in names if name not in left_out]


async def get_root(request):
    return envelopes.sync(["/1.0"])


async def get_api(request):
    level = request["auth"]
    return envelopes.sync({
        "api_extensions": announced_extensions(request.app["sim"].options),
        "api_status": "stable",
        "api_version": "1.0",
        "auth": "trusted" if level == "local" else level,
        "auth_methods": ["2waySSL"],
    })


async def get_version(request):
    return envelopes.sync({"version": SERVER_VERSION})


def routes(router):
    router.add_get("/", get_root)
    router.add_get("/1.0", get_api)
    router.add_get("/1.0/", get_api)
    router.add_get("/1.0/version", get_version)
