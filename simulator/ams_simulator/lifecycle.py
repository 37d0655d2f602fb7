"""State transitions that happen after an operation: container boot, application bootstrap.

Each transition runs in one transaction; on restart `resume_pending` re-arms the ones still pending.
"""

from . import container_factory, repo, scheduler, status
from .errors import ApiError
from .publishing import apply_auto_publish

RUNNING, ERROR = 4, -1


def schedule_boot(sim, container_id):
    """created -> prepared -> started -> running, one step per --container-boot-delay (see instance_lifecycle)."""
    sim.instance_lifecycle.schedule(container_id)


def start_bootstrap(sim, app_id, number):
    """Launch the temporary base container for one application version, finish after --bootstrap-delay."""
    error = None
    with sim.store.transaction():
        app = repo.find_application(sim.store, app_id)
        if app is None:
            return
        repo.delete_container_rows(sim.store, "app_id = ? AND app_version = ? AND type = 'base'", (app_id, number))
        manifest = repo.version_manifest(sim.store, app_id, number)
        version = repo.app_version(app, number)
        image = repo.find_image(sim.store, version["parent_image_id"])
        try:
            need = scheduler.requirement(manifest.get("instance-type"), manifest.get("resources"))
            container_factory.create(sim.store, container_factory.LaunchSpec(
                "base", need, app=app, app_version=number, image=image,
                image_version=version["parent_image_version"]), initial_status=RUNNING)
        except ApiError as exc:
            error = "bootstrap of %s version %d failed: %s" % (app["name"], number, exc.message)
    if error is not None:
        finish_bootstrap(sim, app_id, number, error)
    else:
        sim.later(sim.options.bootstrap_delay, lambda: finish_bootstrap(sim, app_id, number))


def finish_bootstrap(sim, app_id, number, error=None):
    with sim.store.transaction():
        app = repo.find_application(sim.store, app_id)
        if app is None:
            return
        repo.delete_container_rows(sim.store, "app_id = ? AND app_version = ? AND type = 'base'", (app_id, number))
        try:
            version = repo.app_version(app, number)
        except ApiError:
            return
        if error is None and sim.failures.matches("application", app["name"], app_id):
            error = "bootstrap of %s version %d failed: boot package crashed (simulated failure)" % (app["name"], number)
        if error is not None:
            version["error_message"] = error
            status.set_status(version, status.VERSION, ERROR)
            status.set_status(app, status.APPLICATION, ERROR)
        else:
            status.set_status(version, status.VERSION, 3)
            status.set_status(app, status.APPLICATION, 2)
            apply_auto_publish(sim.store, app, version)
        repo.save_application(sim.store, app)
    sim.events.lifecycle("application-" + app["status"], "/1.0/applications/" + app_id, version=number)


def resume_pending(sim):
    """After a restart: bootstraps and boots that were in progress start again."""
    count = 0
    for app in repo.all_applications(sim.store):
        for version in app["versions"]:
            if version["status_code"] == 1:
                start_bootstrap(sim, app["id"], version["number"])
                count += 1
    return count + sim.instance_lifecycle.resume()
