#!/usr/bin/env bash
# ansible-test units (tests/unit) on the controller's Python, with tests/unit/requirements.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
python_version=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

exec "$root/hacking/ansible_test.sh" units --venv --requirements --python "$python_version" --color no "$@"
