"""/1.0/config: service configuration, one {name, value} per PATCH."""

from .. import config_keys, envelopes, repo
from .common import Field, check_if_match, etag_of, field, read_body, sim_of


def stored_values(sim):
    values = {key: config_keys.default(key) for key in config_keys.KEYS}
    values.update(repo.config_items(sim.store))
    return values


def rendered(sim):
    return {key: config_keys.render(key, value) for key, value in sorted(stored_values(sim).items())}


def set_value(sim, key, value):
    repo.set_config_value(sim.store, key, value)


# api.ConfigPost of the AMS SDK: both strings (a JSON boolean or number does not decode into them).
PATCH = {"name": Field(str), "value": Field(str, keep_empty=True)}


async def get(request):
    data = {"config": rendered(sim_of(request))}
    return envelopes.sync(data, etag=etag_of(data))


async def patch(request):
    sim = sim_of(request)
    body = await read_body(request, PATCH, "configuration change")
    name = field(body, "name", str, required=True, what="configuration change")
    value = config_keys.parse_value(name, body.get("value", ""))
    check_if_match(request, etag_of({"config": rendered(sim)}))
    op = sim.ops.create("Applying configuration", None, apply=lambda: set_value(sim, name, value))
    return envelopes.async_operation(op)


def routes(router):
    router.add_get("/1.0/config", get)
    router.add_patch("/1.0/config", patch)
