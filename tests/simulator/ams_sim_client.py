"""A small AMS client for the conformance tests (HTTPS with a client certificate, or the unix socket)."""

import http.client
import json
import socket
import time

import requests


class Api:
    def __init__(self, url, ca_cert, cert=None, timeout=30.0):
        self.url = url.rstrip("/")
        self.ca_cert = ca_cert
        self.cert = cert
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # the machine's CA bundle variables must not decide anything here

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.url + path, verify=self.ca_cert, cert=self.cert, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def upload(self, method, path, data, meta=None, fingerprint=None, headers=None):
        all_headers = {"Content-Type": "application/octet-stream"}
        if meta is not None:
            all_headers["X-AMS-Request"] = json.dumps(meta)
        if fingerprint is not None:
            all_headers["X-AMS-Fingerprint"] = fingerprint
        all_headers.update(headers or {})
        return self.request(method, path, data=data, headers=all_headers)

    def wait(self, response, timeout=30):
        """Wait for the operation of an async response; returns the final operation object."""
        assert response.status_code == 202, response.text
        operation = response.json()["operation"]
        result = self.get("/" + operation + "/wait", params={"timeout": timeout})
        assert result.status_code == 200, result.text
        return result.json()["metadata"]

    def ok(self, response, timeout=30):
        """Wait and assert the operation succeeded."""
        op = self.wait(response, timeout)
        assert op["status_code"] == 200, op
        return op

    def wait_until(self, path, predicate, timeout=20.0):
        """Poll GET path until predicate(metadata) holds; returns the metadata (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            meta = self.metadata(path)
            if predicate(meta):
                return meta
            if time.monotonic() > deadline:
                raise AssertionError("%s did not reach the expected state: %r" % (path, meta))
            time.sleep(0.02)

    def metadata(self, path, **kwargs):
        response = self.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["metadata"]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def unix_request(path, method, url_path, body=None, timeout=10.0):
    """One request over the unix socket; returns (status, parsed JSON body)."""
    connection = _UnixConnection(path, timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, url_path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()
