"""GET /, /1.0 and /1.0/version."""

from .. import envelopes, extensions

SERVER_VERSION = "1.7.3"


async def get_root(request):
    return envelopes.sync(["/1.0"])


async def get_api(request):
    level = request["auth"]
    return envelopes.sync({
        "api_extensions": extensions.offered_list(request.app["sim"]),
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
