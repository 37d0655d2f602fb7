"""The API extensions `GET /1.0` lists, and checks for the ones a start may disable (--disable-extension)."""

from .errors import ApiError

API_EXTENSIONS = (
    "application_manifest_download",
    "application_image_export",
    "application_watchdog_settings",
    "application_resource_customization",
    "application_services_configuration",
    "application_manifest_version",
    "application_gpu_encoder",
    "application_partial_updates",
    "zip_archive_support",
    "container_logs",
    "instance_support",
    "vm_support",
    "instance_exec",
    "container_exec",
)
# What an older AMS without instances (--without-instances) does not have.
INSTANCE_EXTENSIONS = ("instance_support", "vm_support", "instance_exec", "container_exec")


def offered(sim, name):
    if name in INSTANCE_EXTENSIONS and getattr(sim.options, "without_instances", False):
        return False
    return name not in sim.disabled_extensions


def offered_list(sim):
    return [name for name in API_EXTENSIONS if offered(sim, name)]


def require(sim, name, what, status=400):
    """Refuse `what` (400, or 404 for an endpoint the server would not have) when `name` is disabled."""
    if not offered(sim, name):
        raise ApiError(status, "%s needs the %s API extension, which this server does not offer" % (what, name))
