"""The aiohttp application: middlewares and every route."""

from aiohttp import web

from . import middleware
from .handlers import (addons, applications, certificates, config, containers, events, exec as exec_handlers,
                       images, instances, nodes, operations, server, tasks)

_MODULES = (server, certificates, config, operations, events, tasks, nodes, images, addons, applications, containers,
            instances, exec_handlers)


def build_app(sim):
    app = web.Application(middlewares=middleware.build(sim), client_max_size=8 * 1024 * 1024)
    app["sim"] = sim
    for module in _MODULES:
        module.routes(app.router)
    return app
