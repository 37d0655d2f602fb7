"""State transitions that happen after an operation: application bootstrap (container boot and the other
instance transitions are in instance_lifecycle).

Each transition runs in one transaction; on restart `resume_pending` re-arms the ones still pending.
"""

from . import container_factory, object_meta, repo, scheduler
from .errors import ApiError, DomainError, NotFound
from .publishing import apply_auto_publish, prune_versions

RUNNING, ERROR = 4, -1


def start_bootstrap(sim, app_id, number):
    """Launch the temporary base container for one application version, finish after --bootstrap-delay."""
    error = None
    with sim.store.transaction():
        app = repo.find(sim.store, "application", app_id)
        if app is None:
            return
        repo.delete_containers(sim.store, app_id=app_id, app_version=number, type="base")
        manifest = repo.version_document(sim.store, "application", app_id, number)
        version = repo.app_version(app, number)
        image = repo.find(sim.store, "image", version["parent_image_id"])
        try:
            need = scheduler.requirement(manifest.get("instance-type"), manifest.get("resources"))
            container_factory.create(sim.store, container_factory.LaunchSpec(
                "base", need, app=app, app_version=number, image=image,
                image_version=version["parent_image_version"]), initial_status=RUNNING)
        except (ApiError, DomainError) as exc:
            error = "bootstrap of %s version %d failed: %s" % (app["name"], number, exc.message)
    if error is not None:
        finish_bootstrap(sim, app_id, number, error)
    else:
        sim.later(sim.options.bootstrap_delay, lambda: finish_bootstrap(sim, app_id, number))


def finish_bootstrap(sim, app_id, number, error=None):
    with sim.store.transaction():
        app = repo.find(sim.store, "application", app_id)
        if app is None:
            return
        repo.delete_containers(sim.store, app_id=app_id, app_version=number, type="base")
        try:
            version = repo.app_version(app, number)
        except NotFound:
            return
        if error is None and sim.failures.matches("application", app["name"], app_id):
            error = "bootstrap of %s version %d failed: boot package crashed (simulated failure)" % (app["name"], number)
        if error is not None:
            version["error_message"] = error
            object_meta.set_status(version, object_meta.VERSION, ERROR)
            object_meta.set_status(app, object_meta.APPLICATION, ERROR)
            prune_versions(sim.store, app, keep=number)
        else:
            object_meta.set_status(version, object_meta.VERSION, 3)
            object_meta.set_status(app, object_meta.APPLICATION, 2)
            apply_auto_publish(sim.store, app, version)
        repo.save(sim.store, "application", app)
    sim.events.lifecycle("application-" + app["status"], "/1.0/applications/" + app_id, version=number)


def resume_pending(sim):
    """After a restart: bootstraps that were in progress start again, and so do the instances on their way to
    their desired status.  (A launch interrupted by a restart was rolled back with its operation, so no
    container is left half-started.)"""
    count = 0
    for app in repo.all_of(sim.store, "application"):
        for version in app["versions"]:
            if version["status_code"] == 1:
                start_bootstrap(sim, app["id"], version["number"])
                count += 1
    return count + sim.instance_lifecycle.resume()
