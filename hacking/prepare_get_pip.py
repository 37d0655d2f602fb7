"""Make sure ansible-test has its pip bootstrap script, also where its download host is unreachable.

ansible-test bootstraps pip into every virtual environment it creates with a script that it
downloads once and caches as ~/.ansible/test/cache/get_pip_<version>.py. This tries that same
download first (with a short timeout); when it fails, it caches a stand-in that installs pip
from a wheel fetched from the package index with `pip download`.

Run it with the Python that has ansible-core installed (the .venv one).
"""

import importlib.util
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

DOWNLOAD_TIMEOUT_SECONDS = 10

STAND_IN_TEMPLATE = '''"""Stand-in for get-pip.py {version}, written by hacking/prepare_get_pip.py.

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


def fail(message):
    sys.exit("prepare_get_pip: " + message)


def ansible_test_file(relative_path):
    spec = importlib.util.find_spec("ansible_test")
    if spec is None or not spec.submodule_search_locations:
        fail("ansible_test is not importable by %s; run `make venv` first" % sys.executable)
    return Path(list(spec.submodule_search_locations)[0], relative_path)


def search(relative_path, pattern, what):
    path = ansible_test_file(relative_path)
    match = re.search(pattern, path.read_text(encoding="utf-8"))
    if not match:
        fail("cannot find %s in %s (ansible-test changed its layout?)" % (what, path))
    return match.group(1)


def wanted_pip_version():
    return search("_internal/python_requirements.py", r"pip='([0-9][0-9.]*)'", "the pip version")


def download_url_pattern():
    return search("_util/target/setup/requirements.py", r"url = '(https://[^']*%s[^']*)'", "the get-pip URL")


def try_download(url, target):
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            body = response.read()
    except OSError as error:
        print("prepare_get_pip: cannot download %s (%s); using a wheel from the package index" % (url, error))
        return False
    target.write_bytes(body)
    return True


def write_stand_in(version, target):
    wheel_dir = target.parent
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--dest", str(wheel_dir), "pip==%s" % version],
        check=True,
    )
    wheels = sorted(wheel_dir.glob("pip-%s-*.whl" % version))
    if not wheels:
        fail("pip download left no pip-%s wheel in %s" % (version, wheel_dir))
    target.write_text(STAND_IN_TEMPLATE.format(version=version, wheel_name=wheels[0].name), encoding="utf-8")


def main():
    version = wanted_pip_version()
    cache = Path(os.path.expanduser("~/.ansible/test/cache"))
    target = cache / ("get_pip_%s.py" % version.replace(".", "_"))
    if target.exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if not try_download(download_url_pattern() % version, partial):
        try:
            write_stand_in(version, partial)
        except subprocess.CalledProcessError as error:
            fail("`pip download pip==%s` failed with status %d" % (version, error.returncode))
    partial.replace(target)
    print("prepare_get_pip: cached %s" % target)


if __name__ == "__main__":
    main()
