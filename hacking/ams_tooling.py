"""Helpers of noxfile.py: interpreters, the shared .venv, the collection copy ansible-test needs,
ansible-test's pip bootstrap, commands with logs, JUnit files and the simulator's options.

Command line, for what runs before nox can (the Makefile, CI):
  python hacking/ams_tooling.py venv          create or update .venv (VENV overrides the place)
  python hacking/ams_tooling.py summary DIR   print `N passed, N failed, N skipped` of the JUnit files in DIR
  python hacking/ams_tooling.py clean         remove build/, tests/output/, .nox/ and the collection copies

Loaded by pytest with `-p ams_tooling` (the e2e sessions), it starts every simulator of the suite
with --strict-fields when the environment holds AMS_TOOLING_STRICT_SIMULATOR=1 and the simulator
knows the option.
"""

import collections
import functools
import hashlib
import importlib.util
import inspect
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("VENV") or ROOT / ".venv").absolute()
REQUIREMENTS = ROOT / "tests" / "requirements-dev.txt"
SIMULATOR_DIR = ROOT / "simulator"
PYTHON_VERSIONS = ("3.13", "3.12", "3.11", "3.10", "3.9")
# the newest ansible-core's controller needs one of these
CONTROLLER_VERSIONS = ("3.13", "3.12")
TAIL_LINES = 60
STRICT_ENVIRONMENT = "AMS_TOOLING_STRICT_SIMULATOR"


class ToolingError(Exception):
    """A problem that stops a session, said in one sentence."""


# -- interpreters and the venv ------------------------------------------------------------------

def _works(python):
    try:
        return subprocess.run([str(python), "-c", ""], capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def _pyenv_versions():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    if shutil.which("pyenv"):
        completed = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if completed.returncode == 0 and completed.stdout.strip():
            root = completed.stdout.strip()
    return Path(root, "versions")


def _version_key(path):
    return tuple(int(part) for part in path.name.split("."))


def real_pythons():
    """[(version, path)] of each real CPython 3.9-3.13 found, newest first.

    pyenv's shims fail once ansible-test scrubs the environment, so pyenv installs are taken
    from their versions folder (newest patch release first); elsewhere PATH is searched.
    """
    versions = _pyenv_versions()
    found = []
    for version in PYTHON_VERSIONS:
        candidates = []
        if versions.is_dir():
            releases = [path for path in versions.iterdir() if re.fullmatch(re.escape(version) + r"\.[0-9]+", path.name)]
            candidates = [path / "bin" / ("python" + version) for path in sorted(releases, key=_version_key, reverse=True)]
        on_path = shutil.which("python" + version)
        if on_path and "/shims/" not in on_path:
            candidates.append(Path(on_path))
        for candidate in candidates:
            if _works(candidate):
                found.append((version, str(candidate)))
                break
    return found


def venv_creator():
    """The interpreter to build .venv with: the newest real 3.13 or 3.12, else python3."""
    for version, path in real_pythons():
        if version in CONTROLLER_VERSIONS and subprocess.run(
                [path, "-c", "import venv, ensurepip"], capture_output=True, check=False).returncode == 0:
            return path
    return shutil.which("python3") or sys.executable


def _quiet_pip(python, *arguments):
    # this kind of machine's pip configuration names index folders that do not exist: drop that noise
    completed = subprocess.run([str(python), "-m", "pip", "install", "--quiet"] + list(arguments),
                               stderr=subprocess.PIPE, text=True, check=False)
    noise = [line for line in completed.stderr.splitlines() if not line.startswith("WARNING: Location 'file:")]
    if noise:
        print("\n".join(noise), file=sys.stderr)
    if completed.returncode:
        raise ToolingError("pip install %s failed with status %d" % (" ".join(arguments), completed.returncode))


def ensure_venv(venv=VENV, requirements=REQUIREMENTS):
    """Create VENV or bring it up to date with REQUIREMENTS; instant while the file's hash is unchanged."""
    venv = Path(venv)
    python = venv / "bin" / "python"
    stamp = venv / ".requirements.sha256"
    wanted = hashlib.sha256(Path(requirements).read_bytes()).hexdigest()
    usable = python.exists() and _works(python)
    if usable and stamp.exists() and stamp.read_text(encoding="utf-8").strip() == wanted:
        return venv
    if not usable:
        creator = os.environ.get("PYTHON") or venv_creator()
        print("venv: creating %s with %s" % (venv, creator), flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        if subprocess.run([creator, "-m", "venv", str(venv)], check=False).returncode:
            raise ToolingError("%s -m venv %s failed" % (creator, venv))
    _quiet_pip(python, "--upgrade", "pip")
    _quiet_pip(python, "-r", str(requirements))
    stamp.write_text(wanted + "\n", encoding="utf-8")
    versions = subprocess.run([str(python), "-c", "import sys, ansible.release as r; "
                               "print('Python %d.%d.%d,' % sys.version_info[:3], 'ansible-core', r.__version__)"],
                              capture_output=True, text=True, check=False).stdout.strip()
    print("venv: %s ready: %s" % (venv, versions), flush=True)
    return venv


def python_links(folder):
    """Fill FOLDER with python3.X links to the real interpreters (each replaced atomically)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for version, path in real_pythons():
        temporary = folder / (".python%s.%d" % (version, os.getpid()))
        if temporary.is_symlink():
            temporary.unlink()
        temporary.symlink_to(path)
        os.replace(temporary, folder / ("python" + version))
    return folder


# -- the collection copy ansible-test runs from ------------------------------------------------

def copy_root(user):
    """Where USER (sanity, units, ...) keeps its copy: outside the repository, one per checkout.

    Inside the repository, ansible-test would list files through the repository's git and see
    none (the copy would sit in an ignored folder). ANSIBLE_TEST_COPY_ROOT overrides the base.
    """
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    base = os.environ.get("ANSIBLE_TEST_COPY_ROOT") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "anbox.ams-test-%d-%s" % (os.getuid(), checkout))
    return Path(base, user)


def collection_files():
    """The collection's files: tracked and untracked-not-ignored, relative to the repository."""
    completed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                                ".", ":!:.venv", ":!:build", ":!:tests/output"],
                               cwd=ROOT, capture_output=True, check=False)
    if completed.returncode:
        raise ToolingError("git ls-files failed in %s (the tooling needs a git checkout): %s"
                           % (ROOT, completed.stderr.decode("utf-8", "replace").strip()))
    files = [name for name in completed.stdout.decode("utf-8").split("\0") if name]
    # a tracked file just deleted in the work tree is not part of the collection any more
    return [name for name in files if os.path.lexists(ROOT / name)]


def copy_collection(dest):
    """Copy the collection to DEST/ansible_collections/anbox/ams and return that path.

    ansible-test's tests/output there survives, so the virtual environments it caches are reused.
    """
    dest = Path(dest)
    collection = dest / "ansible_collections" / "anbox" / "ams"
    kept = dest / ".kept-output"
    shutil.rmtree(kept, ignore_errors=True)
    if (collection / "tests" / "output").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        os.replace(collection / "tests" / "output", kept)
    shutil.rmtree(collection, ignore_errors=True)
    for name in collection_files():
        target = collection / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target, follow_symlinks=False)
    if kept.is_dir():
        (collection / "tests").mkdir(parents=True, exist_ok=True)
        os.replace(kept, collection / "tests" / "output")
    return collection


# -- ansible-test's pip bootstrap ----------------------------------------------------------------

GET_PIP_TIMEOUT_SECONDS = 10
GET_PIP_STAND_IN = '''"""Stand-in for get-pip.py {version}, written by hacking/ams_tooling.py.

Installs pip from {wheel_name}, cached beside this file, the way get-pip.py would.
"""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), {wheel_name!r})
sys.path.insert(0, WHEEL)

from pip._internal.cli.main import main  # noqa: E402

IGNORED = ("--no-setuptools", "--no-wheel")
arguments = [argument for argument in sys.argv[1:] if argument not in IGNORED]
sys.exit(main(["install", "--upgrade", "--force-reinstall",
               "--find-links", os.path.dirname(WHEEL)] + arguments))
'''


def _ansible_test_source(relative_path, pattern, what):
    spec = importlib.util.find_spec("ansible_test")
    if spec is None or not spec.submodule_search_locations:
        raise ToolingError("ansible_test is not importable by %s; run `make venv` first" % sys.executable)
    path = Path(list(spec.submodule_search_locations)[0], relative_path)
    match = re.search(pattern, path.read_text(encoding="utf-8"))
    if not match:
        raise ToolingError("cannot find %s in %s (ansible-test changed its layout?)" % (what, path))
    return match.group(1)


def wanted_pip_version():
    """The pip version ansible-test bootstraps into its virtual environments."""
    return _ansible_test_source("_internal/python_requirements.py", r"pip='([0-9][0-9.]*)'", "the pip version")


def get_pip_url_pattern():
    return _ansible_test_source("_util/target/setup/requirements.py", r"url = '(https://[^']*%s[^']*)'",
                                "the get-pip URL")


def try_download(url, target):
    try:
        with urllib.request.urlopen(url, timeout=GET_PIP_TIMEOUT_SECONDS) as response:
            body = response.read()
    except OSError as error:
        print("get-pip: cannot download %s (%s); using a wheel from the package index" % (url, error))
        return False
    Path(target).write_bytes(body)
    return True


def write_get_pip_stand_in(version, target):
    """Cache at TARGET a script that installs pip VERSION from a wheel fetched with `pip download`."""
    target = Path(target)
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--dest", str(target.parent), "pip==%s" % version], check=False)
    if completed.returncode:
        raise ToolingError("`pip download pip==%s` failed with status %d" % (version, completed.returncode))
    wheels = sorted(target.parent.glob("pip-%s-*.whl" % version))
    if not wheels:
        raise ToolingError("pip download left no pip-%s wheel in %s" % (version, target.parent))
    target.write_text(GET_PIP_STAND_IN.format(version=version, wheel_name=wheels[0].name), encoding="utf-8")


def prepare_get_pip(cache=None):
    """Make sure ansible-test finds its pip bootstrap script cached, also where its download host is unreachable.

    ansible-test downloads get-pip.py once into ~/.ansible/test/cache/get_pip_<version>.py. The same
    download is tried first; when it fails, a stand-in installing pip from the package index is cached.
    """
    version = wanted_pip_version()
    cache = Path(cache or os.path.expanduser("~/.ansible/test/cache"))
    target = cache / ("get_pip_%s.py" % version.replace(".", "_"))
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name("%s.%d.partial" % (target.name, os.getpid()))
    if not try_download(get_pip_url_pattern() % version, partial):
        write_get_pip_stand_in(version, partial)
    os.replace(partial, target)
    print("get-pip: cached %s" % target)
    return target


# -- commands -----------------------------------------------------------------------------------

def run(command, env=None, cwd=None, timeout=None, output=None):
    """Run COMMAND, copying its output (stderr merged) to OUTPUT (default stdout) as it comes.

    Returns (status, seconds, text): the whole output as text. With TIMEOUT, the command runs in a
    process group of its own, which is stopped after TIMEOUT seconds (status 124, like timeout(1))
    or when this process is interrupted; without, it shares the caller's group and so its Ctrl-C.
    """
    output = output or sys.stdout
    started = time.monotonic()
    try:
        process = subprocess.Popen([str(part) for part in command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                   start_new_session=timeout is not None)
    except OSError as error:
        message = "cannot run %s: %s\n" % (command[0], error)
        output.write(message)
        return 127, 0.0, message
    lines = []

    def pump():
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            output.write(line)
            output.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        status = 124
        lines.append("stopped after %s s\n" % timeout)
        output.write(lines[-1])
    except BaseException:
        if timeout is not None:
            _stop_group(process)
        raise
    reader.join(10)
    return status, time.monotonic() - started, "".join(lines)


def _stop_group(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tail(text, count=TAIL_LINES):
    return "".join(collections.deque(text.splitlines(True), maxlen=count))


# -- JUnit --------------------------------------------------------------------------------------

def write_suite(path, suite_name, cases):
    """Write one <testsuite> to PATH.

    cases: iterable of (name, seconds, result, message), result "passed", "failed" or "skipped";
    message is the failure output or the reason for skipping.
    """
    cases = list(cases)
    suite = ElementTree.Element("testsuite", {
        "name": suite_name,
        "tests": str(len(cases)),
        "failures": str(sum(1 for case in cases if case[2] == "failed")),
        "skipped": str(sum(1 for case in cases if case[2] == "skipped")),
        "errors": "0",
    })
    for name, seconds, result, message in cases:
        case = ElementTree.SubElement(suite, "testcase", {"classname": suite_name, "name": name, "time": "%.3f" % seconds})
        if result == "failed":
            ElementTree.SubElement(case, "failure", {"message": name + " failed"}).text = message
        elif result == "skipped":
            ElementTree.SubElement(case, "skipped", {"message": message})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def _xml_files(paths):
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(path.rglob("*.xml"))
        elif path.exists():
            yield path


def _outcome(testcase):
    if testcase.find("failure") is not None or testcase.find("error") is not None:
        return "failed"
    if testcase.find("skipped") is not None:
        return "skipped"
    return "passed"


def count(paths):
    """{'passed': N, 'failed': N, 'skipped': N} over the testcases of the JUnit files in PATHS.

    A file that cannot be parsed counts as one failure.
    """
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for path in _xml_files(paths):
        try:
            outcomes = [_outcome(testcase) for testcase in ElementTree.parse(path).getroot().iter("testcase")]
        except ElementTree.ParseError as error:
            print("junit: %s is not valid JUnit XML (%s): counted as a failure" % (path, error), file=sys.stderr)
            outcomes = ["failed"]
        for name in outcomes:
            totals[name] += 1
    return totals


def summary_line(totals):
    return "{passed} passed, {failed} failed, {skipped} skipped".format(**totals)


def record_exit(results, name, status, seconds, output):
    """Make sure a failed step is never lost from the JUnit sum.

    A step that exited non-zero while its JUnit files under RESULTS record no failure (a crash,
    a setup error) is recorded as one failed test.
    """
    if status != 0 and not count([results])["failed"]:
        write_suite(Path(results) / ("exit-%s.xml" % name), "exit", [
            (name, seconds, "failed", "exit status %d\n%s" % (status, tail(output)))])


# -- integration: one test per target ---------------------------------------------------------

_FAILED_TARGETS = re.compile(
    r"The (\d+) integration test\(s\) listed below \(out of \d+\) failed\. See error output above for details:\n")


def failed_integration_targets(output):
    """The targets ansible-test names as failed at the end of OUTPUT (with --continue-on-error)."""
    match = None
    for match in _FAILED_TARGETS.finditer(output):
        pass
    if match is None:
        return []
    names = output[match.end():].splitlines()[:int(match.group(1))]
    return [name.strip() for name in names if name.strip()]


def passed_integration_targets(data_dir):
    """The targets that the newest integration-*.json ansible-test wrote under DATA_DIR records as passed."""
    reports = sorted(Path(data_dir).glob("integration-*.json"), key=lambda path: path.stat().st_mtime)
    if not reports:
        return {}
    with open(reports[-1], encoding="utf-8") as handle:
        return json.load(handle).get("targets") or {}


def integration_cases(data_dir, output):
    """JUnit cases for an ansible-test integration run: one per target, passed when ansible-test passed it.

    The per-task report of ansible's junit callback counts every task (set_fact, tempfile, ...) as a
    test; a target is the unit that ansible-test itself passes or fails.
    """
    cases = [(name, float(info.get("run_time_seconds") or 0), "passed", "")
             for name, info in sorted(passed_integration_targets(data_dir).items())]
    cases += [(name, 0.0, "failed", "ansible-test integration failed this target; its output is in the log above")
              for name in failed_integration_targets(output)]
    return cases


# -- ansible-doc of every plugin -----------------------------------------------------------------

# plugin folder -> ansible-doc type, for the plugin types that keep their docs in the .py file
PLUGIN_TYPES = {"modules": "module", "inventory": "inventory", "lookup": "lookup", "callback": "callback",
                "connection": "connection", "become": "become", "cache": "cache", "vars": "vars"}


def _installed_plugins(collection_dir):
    for folder, doc_type in sorted(PLUGIN_TYPES.items()):
        for path in sorted((collection_dir / "plugins" / folder).glob("*.py")):
            if path.name != "__init__.py" and not path.name.startswith("_"):
                yield doc_type, path.stem


def _ansible_doc(doc_type, fqcns, env):
    command = ["ansible-doc", "--json", "-t", doc_type] + fqcns
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    output = "$ %s\n%s%s" % (" ".join(command), completed.stdout[-4000:], completed.stderr[-4000:])
    try:
        docs = json.loads(completed.stdout) if completed.returncode == 0 else {}
    except ValueError:
        docs = {}
    return docs if isinstance(docs, dict) else {}, output


def _judge_doc(fqcn, docs, output):
    doc = (docs.get(fqcn) or {}).get("doc")
    if not isinstance(doc, dict):
        return "failed", "no documentation in the output\n" + output
    if not doc.get("short_description"):
        return "failed", "documentation without short_description\n" + output
    return "passed", ""


def plugin_doc_cases(collections_path, collection, env):
    """One JUnit case per plugin of the installed COLLECTION: ansible-doc renders it with a short_description.

    One ansible-doc run covers all plugins of a type; a plugin failing there is run alone, for an
    error message about it only.
    """
    namespace, name = collection.split(".")
    collection_dir = Path(collections_path, "ansible_collections", namespace, name)
    env = dict(env, ANSIBLE_COLLECTIONS_PATH=str(collections_path))
    by_type = {}
    for doc_type, plugin in _installed_plugins(collection_dir):
        by_type.setdefault(doc_type, []).append("%s.%s" % (collection, plugin))
    cases = []
    for doc_type, fqcns in sorted(by_type.items()):
        started = time.monotonic()
        docs, _output = _ansible_doc(doc_type, fqcns, env)
        for fqcn in fqcns:
            result, message = _judge_doc(fqcn, docs, "")
            if result == "failed":
                result, message = _judge_doc(fqcn, *_ansible_doc(doc_type, [fqcn], env))
            print("ansible-doc -t %s %s: %s%s" % (doc_type, fqcn, result, "\n" + message if message else ""))
            cases.append(("ansible-doc %s %s" % (doc_type, fqcn), (time.monotonic() - started) / len(fqcns),
                          result, message))
    if not cases:
        cases.append(("ansible-doc", 0.0, "failed", "no plugin found under %s/plugins" % collection_dir))
    return cases


# -- the simulator --------------------------------------------------------------------------------

def simulator_env(env=None):
    """ENV (default os.environ) with the simulator importable."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SIMULATOR_DIR), env.get("PYTHONPATH")]))
    return env


@functools.lru_cache(maxsize=None)
def simulator_has_strict_fields(python=sys.executable):
    """Whether this checkout's simulator has --strict-fields (400 on a field AMS does not know)."""
    completed = subprocess.run([python, "-m", "ams_simulator", "--help"], capture_output=True, text=True,
                               env=simulator_env(), check=False)
    return "--strict-fields" in completed.stdout


def strict_simulator_options(process_class, python=sys.executable):
    """(keyword arguments, extra command line arguments) that make PROCESS_CLASS start a strict simulator.

    Both are empty for a simulator without the option, so the tooling works before and after it exists.
    """
    if "strict_fields" in inspect.signature(process_class.__init__).parameters:
        return {"strict_fields": True}, []
    if simulator_has_strict_fields(python):
        return {}, ["--strict-fields"]
    return {}, []


def pytest_configure(config):
    """As a pytest plugin: every SimulatorProcess the suite starts runs strict (unless a test says otherwise)."""
    del config
    if os.environ.get(STRICT_ENVIRONMENT) != "1":
        return
    from ams_simulator import testing  # pylint: disable=import-outside-toplevel

    keywords, arguments = strict_simulator_options(testing.SimulatorProcess)
    if not keywords and not arguments:
        return
    original = testing.SimulatorProcess.__init__

    @functools.wraps(original)
    def strict_init(self, *args, **kwargs):
        for name, value in keywords.items():
            kwargs.setdefault(name, value)
        original(self, *args, **kwargs)
        if arguments and not set(arguments) & set(self.extra_args):
            self.extra_args += arguments

    testing.SimulatorProcess.__init__ = strict_init


# -- command line ------------------------------------------------------------------------------------

def main(argv):
    if argv[:1] == ["venv"] and len(argv) == 1:
        ensure_venv()
        return 0
    if argv[:1] == ["clean"] and len(argv) == 1:
        for path in (ROOT / "build", ROOT / "tests" / "output", ROOT / ".nox", copy_root("")):
            shutil.rmtree(path, ignore_errors=True)
        return 0
    if argv[:1] == ["summary"] and len(argv) > 1:
        totals = count(argv[1:])
        print(summary_line(totals))
        return 0 if totals["passed"] and not totals["failed"] else 1
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except ToolingError as error:
        sys.exit("ams_tooling: %s" % error)
