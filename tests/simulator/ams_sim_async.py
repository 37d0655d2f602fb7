"""aiohttp-based helpers for tests that need many concurrent requests or a websocket."""

import ssl

import aiohttp


def ssl_context(ca_cert, cert=None):
    context = ssl.create_default_context(cafile=ca_cert)
    if cert is not None:
        context.load_cert_chain(*cert)
    return context


def session(ca_cert, cert, connections=0):
    connector = aiohttp.TCPConnector(ssl=ssl_context(ca_cert, cert), limit=connections, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120))
