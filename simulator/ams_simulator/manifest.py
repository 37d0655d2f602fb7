"""Application manifest: validation (the keys Anbox Cloud documents) and rendering with the defaults AMS fills in."""

import yaml

from . import instance_types, repo
from .errors import bad_request
from .sizes import parse_size

KEYS = ("name", "version", "instance-type", "image", "addons", "tags", "boot-package", "boot-activity",
        "required-permissions", "video-encoder", "watchdog", "services", "resources", "extra-data", "hooks",
        "bootstrap", "features", "node-selector", "abi")
VIDEO_ENCODERS = ("gpu", "gpu-preferred", "software")
ABIS = ("x86_64", "arm64-v8a", "armeabi-v7a", "x86")
RESOURCE_KEYS = ("cpus", "memory", "disk-size", "gpu-slots")
WATCHDOG_KEYS = ("disabled", "allowed-packages")
SERVICE_KEYS = ("name", "port", "port-end", "protocols", "expose")
_BAD_NAME_CHARS = set(' <>:"/\\|?*')
_MAX_VERSION = 50


def _fail(message):
    raise bad_request("invalid application manifest: " + message)


def _string(manifest, key, required=False):
    value = manifest.get(key)
    if value is None:
        if required:
            _fail("%r is required" % key)
        return None
    if not isinstance(value, str):
        _fail("%r must be a string, got %r (quote it in YAML)" % (key, value))
    return value


def _string_list(manifest, key):
    value = manifest.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _fail("%r must be a list of strings" % key)
    return value


def validate_name(name):
    if not name or set(name) & _BAD_NAME_CHARS:
        _fail("name %r must not be empty nor hold spaces or any of < > : \" / \\ | ? *" % (name,))
    return name


def validate_resources(resources, what="'resources'"):
    if not isinstance(resources, dict):
        _fail("%s must be a mapping" % what)
    unknown = sorted(set(resources) - set(RESOURCE_KEYS))
    if unknown:
        _fail("%s has unknown key(s) %s; allowed: %s" % (what, ", ".join(unknown), ", ".join(RESOURCE_KEYS)))
    for key in ("cpus", "gpu-slots"):
        if key in resources:
            value = resources[key]
            minimum = 1 if key == "cpus" else -1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                _fail("%s.%s must be a whole number >= %d, got %r" % (what, key, minimum, value))
    for key in ("memory", "disk-size"):
        if key in resources:
            if not isinstance(resources[key], str):
                _fail("%s.%s must be a size string such as \"4GB\", got %r" % (what, key, resources[key]))
            parse_size(resources[key], "invalid application manifest: %s.%s" % (what, key))
    return resources


def _validate_watchdog(watchdog):
    if not isinstance(watchdog, dict):
        _fail("'watchdog' must be a mapping")
    unknown = sorted(set(watchdog) - set(WATCHDOG_KEYS))
    if unknown:
        _fail("'watchdog' has unknown key(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(WATCHDOG_KEYS)))
    if "disabled" in watchdog and not isinstance(watchdog["disabled"], bool):
        _fail("'watchdog.disabled' must be true or false")
    _string_list(watchdog, "allowed-packages")


def _validate_services(services):
    if not isinstance(services, list):
        _fail("'services' must be a list")
    for index, service in enumerate(services):
        if not isinstance(service, dict):
            _fail("'services[%d]' must be a mapping" % index)
        unknown = sorted(set(service) - set(SERVICE_KEYS))
        if unknown:
            _fail("'services[%d]' has unknown key(s) %s" % (index, ", ".join(unknown)))
        if not isinstance(service.get("name"), str):
            _fail("'services[%d].name' must be a string" % index)
        for key in ("port", "port-end"):
            value = service.get(key)
            if key == "port-end" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
                _fail("'services[%d].%s' must be a port number 1-65535, got %r" % (index, key, value))
        protocols = service.get("protocols", ["tcp"])
        if not isinstance(protocols, list) or not protocols or not set(protocols) <= {"tcp", "udp"}:
            _fail("'services[%d].protocols' must be a list of tcp/udp" % index)
        if "expose" in service and not isinstance(service["expose"], bool):
            _fail("'services[%d].expose' must be true or false" % index)


def read(contents):
    """manifest.yaml of a package.  An unquoted `version: 1.10` is the string "1.10", as Go's YAML decoder
    reads it into the string field; Python's parser would make it the number 1.1."""
    manifest = contents.read_yaml("manifest.yaml", "application package")
    version = manifest.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        root = yaml.compose(contents.files["manifest.yaml"], Loader=yaml.SafeLoader)
        for key, value in root.value:
            if key.value == "version" and isinstance(value, yaml.ScalarNode):
                manifest["version"] = value.value
    return manifest


def validate(manifest, store):
    """Check a parsed manifest.yaml; returns (manifest, image object)."""
    unknown = sorted(set(manifest) - set(KEYS))
    if unknown:
        _fail("unknown key(s) %s" % ", ".join(unknown))
    validate_name(_string(manifest, "name", required=True))
    version = manifest.get("version")
    if version is not None:
        if not isinstance(version, str):
            _fail("'version' must be a string, got %r" % (version,))
        if len(version) > _MAX_VERSION:
            _fail("'version' must be at most %d characters, got %d" % (_MAX_VERSION, len(version)))
    instance_type = _string(manifest, "instance-type")
    if instance_type is not None and instance_type not in instance_types.TYPES:
        _fail("'instance-type' %r is not one of %s" % (instance_type, ", ".join(instance_types.NAMES)))
    resources = manifest.get("resources")
    if resources is not None:
        validate_resources(resources)
    if instance_type is None and not (resources and "cpus" in resources and "memory" in resources):
        _fail("'instance-type' is required (or 'resources' with cpus and memory)")
    for key in ("boot-package", "boot-activity"):
        _string(manifest, key)
    for key in ("tags", "required-permissions", "features", "node-selector"):
        _string_list(manifest, key)
    encoder = _string(manifest, "video-encoder")
    if encoder is not None and encoder not in VIDEO_ENCODERS:
        _fail("'video-encoder' %r is not one of %s" % (encoder, ", ".join(VIDEO_ENCODERS)))
    abi = _string(manifest, "abi")
    if abi is not None and abi not in ABIS:
        _fail("'abi' %r is not one of %s" % (abi, ", ".join(ABIS)))
    if manifest.get("watchdog") is not None:
        _validate_watchdog(manifest["watchdog"])
    if manifest.get("services") is not None:
        _validate_services(manifest["services"])
    for key in ("extra-data", "hooks", "bootstrap"):
        if manifest.get(key) is not None and not isinstance(manifest[key], dict):
            _fail("%r must be a mapping" % key)
    for addon in _string_list(manifest, "addons") or []:
        if repo.find(store, "addon", addon) is None:
            _fail("addon %r does not exist" % addon)
    image_ref = _string(manifest, "image")
    if image_ref is not None:
        image = repo.find(store, "image", image_ref)
        if image is None:
            _fail("image %r does not exist" % image_ref)
    else:
        image = repo.default_image(store)
        if image is None:
            _fail("no 'image' given and no default image is set")
    return manifest, image


def rendered(manifest, image_name, overrides=None):
    """The manifest as AMS renders it: defaults filled in, image by name, then in-place changes."""
    document = {"name": manifest["name"]}
    if manifest.get("version") is not None:
        document["version"] = manifest["version"]
    document["image"] = image_name
    if manifest.get("instance-type") is not None:
        document["instance-type"] = manifest["instance-type"]
    for key in ("boot-package", "boot-activity", "required-permissions", "addons", "tags", "resources", "services",
                "extra-data", "hooks", "bootstrap", "features", "node-selector"):
        if manifest.get(key) is not None:
            document[key] = manifest[key]
    document["video-encoder"] = manifest.get("video-encoder") or "gpu-preferred"
    watchdog = dict(manifest.get("watchdog") or {})
    document["watchdog"] = {"disabled": bool(watchdog.get("disabled", False)),
                            "allowed-packages": watchdog.get("allowed-packages") or []}
    document["abi"] = manifest.get("abi") or "x86_64"
    for key, value in (overrides or {}).items():
        if value in (None, [], {}, ""):
            document.pop(key, None)
        else:
            document[key] = value
    return document


def to_yaml(document):
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
