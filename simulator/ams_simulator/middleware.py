"""Request pipeline: request log → error envelopes → fault injection → auth."""

import asyncio
import json
import logging
import time

from aiohttp import web

from . import auth, envelopes
from .errors import ApiError, DomainError, forbidden


LOG = logging.getLogger("ams_simulator")


class ConnectionDropped(Exception):
    """The fault injector reset the connection; there is nobody to answer."""

    def __init__(self, status=None):
        super().__init__(status)
        self.status = status


def _drop(sim, request):
    info = sim.registry.lookup(request.transport) if request.transport is not None else None
    if info is not None:
        info.reset()
    elif request.transport is not None:
        request.transport.abort()


async def _config_item(request):
    """The item a PATCH /1.0/config changes (its `name`), for the request log: items share one URL, so a
    test telling a resent write from a write of another item needs it. The body stays readable (aiohttp
    keeps it)."""
    if request.method != "PATCH" or request.path.rstrip("/") != "/1.0/config":
        return None
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        return None
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


def build(sim):
    @web.middleware
    async def request_log(request, handler):
        started = time.monotonic()
        in_flight = sim.request_log.begin()
        request["auth"] = auth.resolve(sim, request)
        request["fault"] = None
        request["ignored_fields"] = []
        connection = sim.registry.lookup(request.transport) if request.transport is not None else None
        subject = await _config_item(request)
        status = None
        try:
            response = await handler(request)
            status = response.status
            return response
        except ConnectionDropped as exc:
            status = exc.status
            return web.Response(status=500)
        finally:
            sim.request_log.end()
            ignored = request["ignored_fields"]
            if ignored:
                message = "%s %s: ignored unknown field(s) %s" % (request.method, request.path, ", ".join(ignored))
                LOG.warning(message)
                sim.events.log("warning", message, fields=ignored)
            entry = {
                "ts": time.time(), "method": request.method, "path": request.path,
                "query": request.query_string, "status": status,
                "duration_ms": round((time.monotonic() - started) * 1000.0, 3),
                "auth": request["auth"], "fault": request["fault"], "ignored_fields": ignored,
                "if_match": "If-Match" in request.headers,
                "in_flight": in_flight,
                "connection": connection.serial if connection is not None else None,
            }
            if subject is not None:
                entry["subject"] = subject
            sim.request_log.write(entry)

    @web.middleware
    async def error_envelopes(request, handler):
        try:
            return await handler(request)
        except (ApiError, DomainError) as exc:
            return envelopes.error(exc.status, exc.message)
        except web.HTTPNotFound:
            return envelopes.error(404, "not found: %s" % request.path)
        except web.HTTPMethodNotAllowed:
            return envelopes.error(400, "method %s is not supported on %s" % (request.method, request.path))
        except web.HTTPRequestEntityTooLarge as exc:
            return envelopes.error(400, "request body too large: %s" % exc.text)
        except (ConnectionDropped, asyncio.CancelledError, ConnectionError):
            raise
        except web.HTTPException as exc:
            return envelopes.error(exc.status if exc.status >= 400 else 500, exc.reason)
        except Exception as exc:  # a simulator bug: still answer with the error envelope
            return envelopes.error(500, "internal simulator error: %r" % (exc,))

    @web.middleware
    async def faults(request, handler):
        """503 and reset happen before the handler: the request never reached AMS. drop-answer happens after
        a write succeeded: the change was carried out, only its answer is lost (the log keeps the status it
        would have had)."""
        if sim.faults.latency:
            # A distant AMS: every answer, GET /1.0 too, comes one round trip later.
            await asyncio.sleep(sim.faults.latency)
        if not (sim.faults.active and sim.faults.applies_to(request.method, request.path)):
            return await handler(request)
        fault = sim.faults.draw()
        if fault == "503":
            request["fault"] = "503"
            return envelopes.error(503, "service unavailable (injected fault)")
        if fault == "reset":
            request["fault"] = "reset"
            _drop(sim, request)
            raise ConnectionDropped()
        try:
            response = await handler(request)
        except (ApiError, DomainError) as exc:
            response = envelopes.error(exc.status, exc.message)
        if response.status < 400 and sim.faults.draw_drop_answer(request.method):
            request["fault"] = "drop-answer"
            _drop(sim, request)
            raise ConnectionDropped(response.status)
        return response

    @web.middleware
    async def authorization(request, handler):
        if not auth.is_trusted(request["auth"]) and not auth.is_public(request.method, request.path):
            raise forbidden("not authorized: client certificate is %s; register it with POST /1.0/certificates "
                            "and the trust password" % ("missing" if request["auth"] == auth.GUEST else "not trusted"))
        return await handler(request)

    return [request_log, error_envelopes, faults, authorization]
