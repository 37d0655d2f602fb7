"""Tests of the pip bootstrap stand-in that lets ansible-test work where its download host is unreachable."""

import subprocess
import sys
import venv
from pathlib import Path

HACKING = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HACKING))

import ams_tooling  # noqa: E402  pylint: disable=wrong-import-position


def test_versions_and_url_are_read_from_the_installed_ansible_test():
    version = ams_tooling.wanted_pip_version()
    assert version[0].isdigit() and "." in version
    url = ams_tooling.get_pip_url_pattern() % version
    assert url.startswith("https://") and url.endswith("%s.py" % version)


def test_unreachable_download_reports_and_leaves_no_file(tmp_path, capsys):
    target = tmp_path / "get_pip.py"
    assert not ams_tooling.try_download("http://127.0.0.1:1/get-pip.py", target)
    assert not target.exists()
    assert "cannot download" in capsys.readouterr().out


def test_stand_in_installs_pip_into_an_environment_without_it(tmp_path):
    """What ansible-test does with the script: run it with a pip-less venv's Python."""
    version = subprocess.run([sys.executable, "-c", "import pip; print(pip.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    cache = tmp_path / "cache"
    cache.mkdir()
    script = cache / ("get_pip_%s.py" % version.replace(".", "_"))
    ams_tooling.write_get_pip_stand_in(version, script)

    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    assert subprocess.run([str(python), "-c", "import pip"], capture_output=True, check=False).returncode != 0

    subprocess.run([str(python), str(script), "--disable-pip-version-check", "--no-index", "--quiet",
                    "pip==%s" % version, "--no-setuptools", "--no-wheel"], check=True)
    installed = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True)
    assert installed.stdout.startswith("pip %s " % version)


def test_a_cached_script_is_kept(tmp_path):
    target = tmp_path / ("get_pip_%s.py" % ams_tooling.wanted_pip_version().replace(".", "_"))
    target.write_text("# cached earlier\n", encoding="utf-8")
    assert ams_tooling.prepare_get_pip(tmp_path) == target
    assert target.read_text(encoding="utf-8") == "# cached earlier\n"
