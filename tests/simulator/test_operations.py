"""Operations: long-poll wait, timeouts, cancel with rollback, listing, events websocket, concurrency."""

import asyncio
import json
import time

import pytest

import ams_sim_async
import ams_sim_packages as packages
from ams_sim_client import Api
from conftest import start_simulator


@pytest.fixture(scope="module")
def slow(tmp_path_factory, client_cert):
    """Operations that take 60 s unless cancelled, and one node that is added fast by the populate option."""
    process = start_simulator(tmp_path_factory.mktemp("slow") / "state", client_cert, "--operation-delay", "60",
                              "--populate-nodes", "1")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def slow_api(slow, client_cert):
    return Api(slow.url, slow.ca_cert, cert=client_cert[:2])


@pytest.fixture(scope="module")
def medium(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("medium") / "state", client_cert, "--operation-delay", "1.0")
    yield process
    process.stop()


def test_wait_returns_when_the_operation_completes(medium, client_cert):
    api = Api(medium.url, medium.ca_cert, cert=client_cert[:2])
    response = api.patch("/1.0/config", json={"name": "gpu.type", "value": "nvidia"})
    started = time.monotonic()
    op = api.wait(response, timeout=30)
    elapsed = time.monotonic() - started
    assert op["status_code"] == 200 and op["status"] == "Success" and op["may_cancel"] is False
    assert 0.5 < elapsed < 25
    assert api.metadata("/1.0/config")["config"]["gpu.type"] == "nvidia"


def test_change_takes_effect_only_when_operation_completes(medium, client_cert):
    api = Api(medium.url, medium.ca_cert, cert=client_cert[:2])
    response = api.patch("/1.0/config", json={"name": "registry.mode", "value": "manual"})
    assert api.metadata("/1.0/config")["config"]["registry.mode"] == "pull"
    api.ok(response)
    assert api.metadata("/1.0/config")["config"]["registry.mode"] == "manual"


def test_wait_honours_timeout(slow_api):
    response = slow_api.patch("/1.0/config", json={"name": "gpu.type", "value": "amd"})
    operation = response.json()["operation"]
    started = time.monotonic()
    current = slow_api.get("/" + operation + "/wait", params={"timeout": "0.5"})
    elapsed = time.monotonic() - started
    assert current.status_code == 200
    assert current.json()["metadata"]["status_code"] == 103
    assert 0.4 < elapsed < 10
    assert slow_api.delete("/" + operation).status_code == 202


def test_wait_rejects_a_bad_timeout(slow_api):
    response = slow_api.patch("/1.0/config", json={"name": "gpu.type", "value": "amd"})
    operation = response.json()["operation"]
    bad = slow_api.get("/" + operation + "/wait", params={"timeout": "soon"})
    assert bad.status_code == 400 and "timeout" in bad.json()["error"]
    slow_api.delete("/" + operation)


def test_cancel_rolls_back_and_finishes_as_cancelled(slow_api):
    response = slow_api.post("/1.0/nodes", json={"name": "cancelled-node", "address": "10.9.9.9"})
    operation = response.json()["operation"]
    assert slow_api.metadata("/1.0/nodes/cancelled-node")["status"] == "created"
    cancel = slow_api.delete("/" + operation)
    assert cancel.status_code == 202
    assert cancel.json()["type"] == "sync"
    op = slow_api.metadata("/" + operation)
    assert op["status_code"] == 401 and op["status"] == "Cancelled"
    assert slow_api.get("/1.0/nodes/cancelled-node").status_code == 404
    again = slow_api.delete("/" + operation)
    assert again.status_code == 400 and "already finished" in again.json()["error"]


def test_operations_list_groups_by_status(slow_api):
    response = slow_api.patch("/1.0/config", json={"name": "gpu.type", "value": "intel"})
    op_id = response.json()["metadata"]["id"]
    grouped = slow_api.metadata("/1.0/operations")
    assert "1.0/operations/" + op_id in grouped["running"]
    slow_api.delete("/1.0/operations/" + op_id)
    grouped = slow_api.metadata("/1.0/operations")
    assert "1.0/operations/" + op_id in grouped["cancelled"]
    assert "1.0/operations/" + op_id not in grouped.get("running", [])


def test_events_websocket_reports_operation_lifecycle(sim, client_cert, api):
    async def scenario():
        async with ams_sim_async.session(sim.ca_cert, client_cert[:2]) as session:
            async with session.ws_connect(sim.url + "/1.0/events?type=operation") as ws:
                response = api.patch("/1.0/config", json={"name": "images.update_interval", "value": "10m"})
                op_id = response.json()["metadata"]["id"]
                seen = []
                while not seen or seen[-1]["metadata"]["status_code"] < 200:
                    message = await asyncio.wait_for(ws.receive(), 10)
                    event = json.loads(message.data)
                    if event["metadata"]["id"] == op_id:
                        seen.append(event)
                return seen

    events = asyncio.run(scenario())
    assert [event["metadata"]["status_code"] for event in events] == [103, 200]
    for event in events:
        assert set(event) == {"metadata", "timestamp", "type"} and event["type"] == "operation"


def test_events_filter_and_lifecycle(sim, client_cert, api):
    async def scenario():
        async with ams_sim_async.session(sim.ca_cert, client_cert[:2]) as session:
            async with session.ws_connect(sim.url + "/1.0/events?type=lifecycle") as ws:
                api.ok(api.post("/1.0/nodes", json={"name": "events-node", "address": "10.77.0.1"}))
                api.ok(api.upload("POST", "/1.0/images", packages.image(),
                                  meta={"name": "events-image"}))
                response = api.post("/1.0/containers", json={"image_id": "events-image", "instance_type": "a2.3",
                                                             "node": "events-node"})
                container_id = response.json()["metadata"]["resources"]["containers"][0].rsplit("/", 1)[1]
                actions = []
                while "container-running" not in actions:
                    event = json.loads((await asyncio.wait_for(ws.receive(), 10)).data)
                    assert event["type"] == "lifecycle"
                    if event["metadata"]["source"] == "/1.0/containers/" + container_id:
                        actions.append(event["metadata"]["action"])
                return actions

    assert asyncio.run(scenario()) == ["container-created", "container-prepared", "container-started",
                                       "container-running"]


def test_logging_events(sim, client_cert, api):
    async def scenario():
        async with ams_sim_async.session(sim.ca_cert, client_cert[:2]) as session:
            async with session.ws_connect(sim.url + "/1.0/events?type=logging") as ws:
                response = api.patch("/1.0/config", json={"name": "images.update_interval", "value": "7m"})
                op_id = response.json()["metadata"]["id"]
                messages = []
                while len(messages) < 2:
                    event = json.loads((await asyncio.wait_for(ws.receive(), 10)).data)
                    assert event["type"] == "logging"
                    if event["metadata"]["context"].get("id") == op_id:
                        messages.append(event["metadata"]["message"])
                return messages

    assert asyncio.run(scenario()) == ["operation created", "operation success"]


def test_events_reject_unknown_type(api):
    response = api.get("/1.0/events?type=gossip")
    assert response.status_code == 400 and "gossip" in response.json()["error"]


def test_200_concurrent_waits_do_not_stall_other_requests(slow, slow_api, client_cert):
    response = slow_api.patch("/1.0/config", json={"name": "gpu.allocation_mode", "value": "one"})
    operation = response.json()["operation"]

    async def scenario():
        async with ams_sim_async.session(slow.ca_cert, client_cert[:2]) as session:
            async def get(path):
                async with session.get(slow.url + path) as reply:
                    return reply.status, (await reply.json())["metadata"]

            # Open 200 keep-alive connections first: TLS handshakes of 200 clients take seconds of CPU here.
            warm = await asyncio.gather(*[get("/1.0/version") for _index in range(200)])
            assert all(status == 200 for status, _body in warm)
            mark = slow.log_mark()
            waiters = [asyncio.ensure_future(get("/" + operation + "/wait?timeout=-1")) for _index in range(200)]
            await asyncio.sleep(2.0)
            assert not any(waiter.done() for waiter in waiters)
            # Answered while 200 waits are pending: the cancel below is only sent once this returns.
            status, _body = await get("/1.0/config")
            assert status == 200
            cancel = await asyncio.get_event_loop().run_in_executor(None, slow_api.delete, "/" + operation)
            assert cancel.status_code == 202
            results = await asyncio.wait_for(asyncio.gather(*waiters), 60)
            return mark, results

    mark, results = asyncio.run(scenario())
    assert [(status, op["status_code"]) for status, op in results] == [(200, 401)] * 200
    entries = slow.requests_since(mark)
    waits = [entry for entry in entries if entry["path"].endswith("/wait")]
    assert len(waits) == 200
    # Every wait was held open by the server until the cancel, and the GET in between was answered meanwhile.
    assert min(entry["duration_ms"] for entry in waits) > 1000
    config_get = next(entry for entry in entries if entry["path"] == "/1.0/config")
    assert config_get["ts"] < min(entry["ts"] for entry in waits)
