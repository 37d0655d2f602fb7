"""The anbox.ams test runner. `nox -l` lists the sessions; `nox -s NAME [-- ARGS]` runs one;
`nox` alone runs `test`, everything CI checks. hacking/README.md says what each session does.

Every session runs with the tools of the project's .venv (tests/requirements-dev.txt): a nox
started from elsewhere creates or updates that venv and starts again from it.
"""

import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "hacking"))

import ams_tooling  # noqa: E402  pylint: disable=wrong-import-position
import integration_config  # noqa: E402  pylint: disable=wrong-import-position

_RELAUNCHED = "AMS_TOOLING_RELAUNCHED"


def _relaunch_from_venv():
    inside = Path(sys.prefix).resolve() == ams_tooling.VENV.resolve()
    if not inside and os.environ.get(_RELAUNCHED):
        sys.exit("noxfile: %s does not run nox from %s" % (sys.executable, ams_tooling.VENV))
    try:
        ams_tooling.ensure_venv()
    except ams_tooling.ToolingError as error:
        sys.exit("noxfile: %s" % error)
    if inside:
        return
    python = str(ams_tooling.VENV / "bin" / "python")
    os.environ[_RELAUNCHED] = "1"
    os.execv(python, [python, "-m", "nox", "-f", str(Path(__file__).resolve())] + sys.argv[1:])


_relaunch_from_venv()

nox.options.default_venv_backend = "none"
nox.options.sessions = ["test"]

BUILD = ROOT / "build"
VENV_BIN = Path(sys.executable).parent
ANSIBLE_TEST_RESULTS = ("junit", "bot", "data", "coverage", "reports")
# a bound for a hung suite, far above what a loaded 2-core machine needs (e2e-real-ams: 10-15 min)
PYTEST_TIMEOUT = int(os.environ.get("PYTEST_TIMEOUT", "2400"))
BENCHMARKS = (
    "simulator/bench.py",
    "tests/bench/bench_inventory.py",
    "tests/bench/bench_containers.py",
    "tests/bench/bench_upload.py",
    "tests/bench/bench_instances.py",
    "tests/bench/bench_exec.py",
    "tests/bench/bench_remote.py containers",
    "tests/bench/bench_remote.py demo",
    "tests/bench/bench_remote.py no-change",
    "tests/bench/bench_remote.py exec",
)
# The steps of `test`, longest first: they run in TEST_LANES (default 3) lanes side by side,
# each lane taking the next step when its last one ends (much of their time is spent waiting).
TEST_STEPS = ("integration", "e2e-real-ams", "e2e", "sanity", "simulator", "units", "lint", "docs", "tooling")


def _env(**extra):
    env = dict(os.environ, **extra)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    return env


def _junit_dir(session):
    """Where SESSION leaves its JUnit XML, emptied: $JUNIT_DIR/SESSION (default tests/output/junit/SESSION)."""
    path = Path(os.environ.get("JUNIT_DIR") or ROOT / "tests" / "output" / "junit") / session.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _finish(session, junit, status, seconds, output):
    ams_tooling.record_exit(junit, session.name, status, seconds, output)
    if status:
        session.error("exit status %d" % status)


def _steps_result(session, junit, cases):
    ams_tooling.write_suite(junit / (session.name + ".xml"), session.name, cases)
    failed = [case[0] for case in cases if case[2] == "failed"]
    if failed:
        session.error("failed: " + ", ".join(failed))


def _step(cases, name, command, **kwargs):
    """Run COMMAND as one JUnit case NAME appended to CASES."""
    print("==> %s" % name, flush=True)
    status, seconds, output = ams_tooling.run(command, **kwargs)
    print("<== %s: exit status %d after %.1fs" % (name, status, seconds), flush=True)
    cases.append((name, seconds, "failed" if status else "passed", "exit status %d\n%s" % (status, ams_tooling.tail(output))))
    return status


def _ansible_test(session, command, arguments, junit=None, extra_files=None):
    """Run `ansible-test COMMAND ARGUMENTS` from a copy of the collection; return (status, seconds, output, results).

    EXTRA_FILES ({path in the collection: file}) are copied into the copy for the run only.
    Its results (junit, data, ...) are copied to tests/output/COMMAND/; with JUNIT, also its JUnit XML.
    """
    links = ams_tooling.python_links(BUILD / "python-bin")
    env = _env()
    env["PATH"] = os.pathsep.join([str(links), env["PATH"]])
    ams_tooling.prepare_get_pip()
    collection = ams_tooling.copy_collection(ams_tooling.copy_root(command))
    for relative, path in (extra_files or {}).items():
        shutil.copy2(path, collection / relative)
    output = collection / "tests" / "output"
    for kind in ANSIBLE_TEST_RESULTS:
        # results of an earlier run must not be mistaken for this one's
        shutil.rmtree(output / kind, ignore_errors=True)
    session.log("ansible-test %s %s (in %s)" % (command, " ".join(arguments), collection))
    status, seconds, text = ams_tooling.run(["ansible-test", command] + list(arguments), env=env, cwd=collection)
    for relative in extra_files or {}:
        (collection / relative).unlink()
    results = ROOT / "tests" / "output" / command
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    for kind in ANSIBLE_TEST_RESULTS:
        if (output / kind).is_dir():
            shutil.copytree(output / kind, results / kind)
    if junit is not None:
        for path in sorted((output / "junit").glob("*.xml")):
            shutil.copy2(path, junit / path.name)
    return status, seconds, text, output


def _tooling_errors(function):
    """A ToolingError ends the session with its message, not a traceback."""
    def wrapper(session):
        try:
            function(session)
        except ams_tooling.ToolingError as error:
            session.error(str(error))
    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@nox.session
@_tooling_errors
def sanity(session):
    """ansible-test sanity on every Python 3.9-3.13 found; refuses tests/sanity/ignore-*.txt."""
    ignored = sorted(ROOT.glob("tests/sanity/ignore-*.txt")) + sorted(ROOT.glob("tests/sanity/skip-*.txt"))
    if ignored:
        session.error("remove %s: findings are fixed, not ignored" % ", ".join(str(path.relative_to(ROOT)) for path in ignored))
    junit = _junit_dir(session)
    status, seconds, output, _results = _ansible_test(
        session, "sanity", ["--venv", "--junit", "--color", "no"] + session.posargs, junit)
    _finish(session, junit, status, seconds, output)


@nox.session
@_tooling_errors
def units(session):
    """ansible-test units (tests/unit) on the controller's Python, or the one given: `-- --python 3.9`."""
    junit = _junit_dir(session)
    arguments = ["--venv", "--requirements", "--color", "no"] + session.posargs
    if "--python" not in session.posargs:
        arguments += ["--python", "%d.%d" % sys.version_info[:2]]
    status, seconds, output, _results = _ansible_test(session, "units", arguments, junit)
    _finish(session, junit, status, seconds, output)


def _integration_simulator(session, work):
    """Start the simulator the targets expect; return it and the targets' variables."""
    sys.path.insert(0, str(ams_tooling.SIMULATOR_DIR))
    from ams_simulator.testing import SimulatorError, SimulatorProcess, make_client_cert  # pylint: disable=import-outside-toplevel

    client_cert, client_key, _fingerprint = make_client_cert(str(work / "client"))
    keywords, strict_arguments = ams_tooling.strict_simulator_options(SimulatorProcess)
    simulator = SimulatorProcess(
        str(work / "state"), trust_password=secrets.token_hex(12),
        extra_args=["--trust-cert", client_cert] + list(integration_config.SIMULATOR_ARGUMENTS) + strict_arguments,
        **keywords)
    try:
        simulator.start()
    except SimulatorError as error:
        session.error(str(error))
    strict = " (strict fields)" if keywords or strict_arguments else ""
    session.log("simulator pid %s at %s%s" % (simulator.pid, simulator.url, strict))
    variables = integration_config.simulator_variables(simulator.ready, simulator.state_dir, client_cert, client_key)
    return simulator, variables


@nox.session
@_tooling_errors
def integration(session):
    """ansible-test integration against a fresh simulator, or against the AMS that AMS_URL & co name.

    Arguments go to ansible-test: `-- ams_config -v`. JUnit: one test per target.
    """
    targets = [path for path in (ROOT / "tests" / "integration" / "targets").glob("*")
               if path.is_dir() and not path.name.startswith(("setup_", "prepare_"))]
    if not targets:
        session.log("no target in tests/integration/targets: nothing to run")
        return
    junit = _junit_dir(session)
    work = BUILD / "integration"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    prefix = "it-" + secrets.token_hex(4)
    config = work / "integration_config.yml"
    simulator = None
    try:
        if os.environ.get("AMS_URL"):
            session.log("testing the AMS at %s (resource prefix %s)" % (os.environ["AMS_URL"], prefix))
            try:
                variables = integration_config.real_ams_variables(os.environ)
            except integration_config.ConfigError as error:
                session.error(str(error))
        else:
            simulator, variables = _integration_simulator(session, work)
        integration_config.write_config(config, variables, prefix)
        status, seconds, output, results = _ansible_test(
            session, "integration", ["--venv", "--requirements", "--continue-on-error", "--color", "no"] + session.posargs,
            extra_files={"tests/integration/integration_config.yml": config})
        ams_tooling.write_suite(junit / "integration.xml", "integration",
                                ams_tooling.integration_cases(results / "data", output))
    finally:
        # it may hold a real AMS's trust password
        config.unlink(missing_ok=True)
        if simulator is not None:
            simulator.stop()
            (work / "simulator.stderr").write_text(simulator.stderr_text(), encoding="utf-8")
    if status and simulator is not None:
        session.log("the simulator's log is %s; its request log is in %s" % (work / "simulator.stderr", work / "state"))
    _finish(session, junit, status, seconds, output)


def _pytest(session, folder, arguments=(), strict=False):
    """pytest over FOLDER with JUnit, the simulator importable and its pytest plugin loaded.

    STRICT: every simulator the suite starts rejects fields AMS does not know, when it has that option.
    A folder without tests is reported and passes.
    """
    junit = _junit_dir(session)
    if not (ROOT / folder).is_dir():
        session.log("%s does not exist: nothing to run" % folder)
        return
    env = ams_tooling.simulator_env(_env())
    plugins = ["-p", "ams_simulator.pytest_plugin"]
    if strict:
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "hacking"), env["PYTHONPATH"]])
        env[ams_tooling.STRICT_ENVIRONMENT] = "1"
        plugins += ["-p", "ams_tooling"]
        if ams_tooling.simulator_has_strict_fields():
            session.log("simulators run with strict fields")
    report = junit / (session.name + ".xml")
    command = [sys.executable, "-m", "pytest"] + plugins + [
        "-p", "no:cacheprovider", "--junitxml=%s" % report, "-o", "junit_suite_name=" + session.name,
        folder] + list(arguments) + session.posargs
    status, seconds, output = ams_tooling.run(command, env=env, cwd=ROOT, timeout=PYTEST_TIMEOUT)
    if status == 5:
        session.log("no test collected in %s" % folder)
        report.unlink(missing_ok=True)
        return
    _finish(session, junit, status, seconds, output)


@nox.session
def simulator(session):
    """pytest tests/simulator: the simulator's own tests."""
    _pytest(session, "tests/simulator")


@nox.session
def e2e(session):
    """pytest tests/e2e (but the real_ams marker); simulators strict about fields when they can be."""
    _pytest(session, "tests/e2e", ["-m", "not real_ams"], strict=True)


@nox.session(name="e2e-real-ams")
def e2e_real_ams(session):
    """pytest tests/e2e -m real_ams: the integration targets in their real-AMS mode (minutes long)."""
    _pytest(session, "tests/e2e", ["-m", "real_ams"], strict=True)


@nox.session
def tooling(session):
    """pytest hacking/tests: this tooling's own tests."""
    _pytest(session, "hacking/tests")


@nox.session
@_tooling_errors
def lint(session):
    """Changelog lint, ansible-lint, collection build and install, ansible-doc of every plugin built."""
    junit = _junit_dir(session)
    root = ams_tooling.copy_root("lint")
    collection = ams_tooling.copy_collection(root)
    env = _env()
    cases = []
    _step(cases, "changelog-lint", ["antsibull-changelog", "lint"], env=env, cwd=collection)
    paths = [path for path in ("roles", "playbooks/examples")
             if (collection / path).is_dir() and any((collection / path).iterdir())]
    if paths:
        _step(cases, "ansible-lint", ["ansible-lint", "--nocolor", "--config-file", ROOT / "hacking" / "ansible-lint.yml",
                                      "--project-dir", ".", "--offline", "--profile", "production",
                                      "--exclude", "changelogs/", "--"] + paths,
              env=dict(env, ANSIBLE_COLLECTIONS_PATH=str(root)), cwd=collection)
    else:
        cases.append(("ansible-lint", 0.0, "skipped", "no roles/ or playbooks/examples/ yet"))
    dist, installed = BUILD / "lint" / "dist", BUILD / "lint" / "installed"
    shutil.rmtree(BUILD / "lint", ignore_errors=True)
    _step(cases, "galaxy-build", ["ansible-galaxy", "collection", "build", "--output-path", dist, "."],
          env=env, cwd=collection)
    tarballs = sorted(dist.glob("anbox-ams-*.tar.gz"))
    install = ["ansible-galaxy", "collection", "install", "--force", "-p", installed] + tarballs[:1]
    if tarballs and not _step(cases, "galaxy-install", install,
                              env=dict(env, ANSIBLE_COLLECTIONS_PATH=str(installed)), cwd=BUILD):
        cases += ams_tooling.plugin_doc_cases(installed, "anbox.ams", env)
    elif not tarballs:
        cases.append(("galaxy-install", 0.0, "failed", "galaxy-build left no anbox-ams-*.tar.gz in %s" % dist))
    _steps_result(session, junit, cases)


@nox.session
@_tooling_errors
def docs(session):
    """antsibull-docs: lint the collection's docs, then render every plugin's page (build/docs/)."""
    junit = _junit_dir(session)
    root = ams_tooling.copy_root("docs")
    collection = ams_tooling.copy_collection(root)
    env = _env(ANSIBLE_COLLECTIONS_PATH=str(root))
    cases = []
    _step(cases, "docs-lint", ["antsibull-docs", "lint-collection-docs", "--plugin-docs", "."], env=env, cwd=collection)
    rendered = BUILD / "docs"
    shutil.rmtree(rendered, ignore_errors=True)
    rendered.mkdir(parents=True)
    _step(cases, "docs-build", ["antsibull-docs", "collection", "--use-current", "--squash-hierarchy",
                                "--fail-on-error", "--dest-dir", rendered, "anbox.ams"], env=env, cwd=BUILD)
    _steps_result(session, junit, cases)


@nox.session
@_tooling_errors
def bench(session):
    """Every benchmark (or those given: `-- tests/bench/bench_upload.py`); fails naming each that missed its goal."""
    listed = session.posargs or list(BENCHMARKS)
    found = [name for name in ams_tooling.collection_files()
             if re.fullmatch(r"(.*/)?bench[^/]*\.py", name) and not name.startswith("hacking/")]
    # An entry is a script and its arguments.
    unlisted = sorted(set(found) - set(entry.split()[0] for entry in BENCHMARKS))
    missing = [entry for entry in listed if not (ROOT / entry.split()[0]).is_file()]
    if unlisted or missing:
        session.error("; ".join(["%s is not in BENCHMARKS of noxfile.py" % name for name in unlisted]
                                + ["%s does not exist" % name for name in missing]))
    env = ams_tooling.simulator_env(_env())
    outcomes = []
    for script in listed:
        session.log("bench %s" % script)
        status, seconds, output = ams_tooling.run([sys.executable] + script.split(), env=env, cwd=ROOT)
        last = (output.strip().splitlines() or [""])[-1]
        outcomes.append((script, status, seconds, last))
    print("\nbench results:")
    for script, status, seconds, last in outcomes:
        verdict = "MISSED its goal or failed: " + last if status else "ok"
        print("  %-34s after %4.0fs: %s" % (script, seconds, verdict))
    missed = [script for script, status, _seconds, _last in outcomes if status]
    if missed:
        session.error("%d of %d benchmarks missed their goal or failed: %s" % (len(missed), len(outcomes), ", ".join(missed)))


@nox.session
@_tooling_errors
def demo(session):
    """A fresh simulator, playbooks/demo.yml twice (the rerun must change nothing), the inventory graph.

    DEMO_KEEP=1 keeps the work folder (certificates, simulator state and logs).
    """
    sys.path.insert(0, str(ams_tooling.SIMULATOR_DIR))
    from ams_simulator.testing import SimulatorError, SimulatorProcess  # pylint: disable=import-outside-toplevel

    work = Path(tempfile.mkdtemp(prefix="anbox-ams-demo."))
    anbox = work / "collections" / "ansible_collections" / "anbox"
    anbox.mkdir(parents=True)
    (anbox / "ams").symlink_to(ROOT)
    env = _env(ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_RETRY_FILES_ENABLED="False",
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
               ANSIBLE_DISPLAY_SKIPPED_HOSTS="False", ANSIBLE_NOCOLOR="1")
    # the demo's connection comes from its variables only, never from a caller's AMS_* environment
    for name in ("AMS_URL", "AMS_CLIENT_CERT", "AMS_CLIENT_KEY", "AMS_CA_CERT", "AMS_VALIDATE_CERTS"):
        env.pop(name, None)
    simulator = SimulatorProcess(str(work / "state"), trust_password=secrets.token_urlsafe(18))
    succeeded = False

    def say(text):
        print("\n==> %s" % text, flush=True)

    def playbook(output=None):
        command = [VENV_BIN / "ansible-playbook", "-i", work / "hosts.yml", "-e", "@%s" % (work / "demo-vars.json"),
                   ROOT / "playbooks" / "demo.yml"]
        status, _seconds, text = ams_tooling.run(command, env=env, cwd=work, output=output)
        if status:
            session.error("ansible-playbook playbooks/demo.yml failed with status %d" % status)
        return text

    try:
        say("Starting the AMS simulator")
        try:
            simulator.start()
        except SimulatorError as error:
            session.error(str(error))
        print("demo: simulator pid %s at %s (no client trusted yet)" % (simulator.pid, simulator.url))
        variables = {"ams_url": simulator.url, "ams_ca_cert": simulator.ca_cert,
                     "ams_trust_password": simulator.trust_password,
                     "ams_client_cert": str(work / "client" / "client.crt"),
                     "ams_client_key": str(work / "client" / "client.key"), "demo_work_dir": str(work)}
        (work / "demo-vars.json").write_text(json.dumps(variables), encoding="utf-8")
        (work / "hosts.yml").write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                                        "      ansible_python_interpreter: %s\n" % sys.executable, encoding="utf-8")

        say("Running playbooks/demo.yml")
        playbook()

        say("Running it again: nothing should change")
        with open(work / "rerun.log", "w", encoding="utf-8") as log:
            rerun = playbook(output=log)
        print("".join(line + "\n" for line in rerun.splitlines() if re.match(r"(PLAY RECAP|localhost )", line)), end="")
        if not re.search(r"^localhost +: .*changed=0 ", rerun, re.MULTILINE):
            changed = [line for line in rerun.splitlines() if line.startswith("changed:")]
            session.error("the second run changed something:\n" + "\n".join(changed))

        say("The inventory graph (anbox.ams.ams inventory plugin)")
        source = ["plugin: anbox.ams.ams"] + ["%s: %s" % (option, json.dumps(variables[name])) for option, name in (
            ("url", "ams_url"), ("client_cert", "ams_client_cert"), ("client_key", "ams_client_key"),
            ("ca_cert", "ams_ca_cert"))] + ["connection: exec"]
        (work / "demo.ams.yml").write_text("\n".join(source) + "\n", encoding="utf-8")
        status, _seconds, _text = ams_tooling.run([VENV_BIN / "ansible-inventory", "-i", work / "demo.ams.yml", "--graph"],
                                                  env=env, cwd=work)
        if status:
            session.error("ansible-inventory --graph failed with status %d" % status)
        say("A raw command in every running instance, over the exec API (connection plugin anbox.ams.ams)")
        status, _seconds, _text = ams_tooling.run(
            [VENV_BIN / "ansible", "-i", work / "demo.ams.yml", "ams_instances:&ams_status_running", "-m", "raw",
             "-a", "anbox-shell getprop ro.build.version.release"], env=env, cwd=work)
        if status:
            session.error("the raw command over exec failed with status %d" % status)
        say("Done: trust bootstrap, config, image, addon, application, instances, containers, inventory and exec "
            "all worked")
        succeeded = True
    finally:
        if simulator.process is not None:
            simulator.stop()
            (work / "simulator.stderr").write_text(simulator.stderr_text(), encoding="utf-8")
            print("demo: simulator stopped")
        if not succeeded:
            print("demo: FAILED; the work folder is kept: %s (simulator.stderr, state/)" % work, file=sys.stderr)
        elif os.environ.get("DEMO_KEEP") == "1":
            print("demo: work folder kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


@nox.session
def test(session):
    """Everything CI checks (all but bench and demo), in lanes; last line `N passed, N failed, N skipped`.

    Each step's output is printed whole when it ends; its JUnit XML is under build/results/STEP/,
    and the last line is their sum.
    """
    results = BUILD / "results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    pending = list(TEST_STEPS)
    lock = threading.Lock()
    started = time.monotonic()

    def next_step():
        with lock:
            return pending.pop(0) if pending else None

    def lane():
        name = next_step()
        while name is not None:
            with lock:
                print("--> %s started" % name, flush=True)
            log_path = results / (name + ".log")
            with open(log_path, "w", encoding="utf-8") as log:
                status, seconds, output = ams_tooling.run(
                    [sys.executable, "-m", "nox", "--no-color", "-s", name],
                    env=_env(JUNIT_DIR=str(results)), cwd=ROOT, output=log)
            ams_tooling.record_exit(results / name, name, status, seconds, output)
            with lock:
                print(log_path.read_text(encoding="utf-8"), end="")
                print("<== %s: exit status %d after %.1fs" % (name, status, seconds), flush=True)
            name = next_step()

    lanes = [threading.Thread(target=lane) for _lane in range(max(1, int(os.environ.get("TEST_LANES", "3"))))]
    for thread in lanes:
        thread.start()
    for thread in lanes:
        thread.join()
    totals = ams_tooling.count([results])
    print("\nmake test: %.0fs" % (time.monotonic() - started))
    print(ams_tooling.summary_line(totals), flush=True)
    if totals["failed"] or not totals["passed"]:
        session.error()
