#!/usr/bin/env bash
# Run pytest over one test folder with JUnit output, the simulator importable
# (PYTHONPATH=simulator) and its pytest plugin loaded. A folder that does not exist, or
# holds no test, is reported and skipped (exit 0); pytest's own status otherwise.
# Usage: pytest_suite.sh NAME FOLDER [PYTEST ARGS...]
# Environment: VENV; JUNIT_DIR (default <repo>/tests/output/junit); PYTEST_TIMEOUT (seconds, default 900).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
name=${1:?usage: pytest_suite.sh NAME FOLDER [PYTEST ARGS...]}
folder=${2:?usage: pytest_suite.sh NAME FOLDER [PYTEST ARGS...]}
shift 2
junit_dir=${JUNIT_DIR:-$root/tests/output/junit}

cd "$root"
if [[ ! -d $folder ]]; then
    echo "$name: $folder does not exist: nothing to run"
    exit 0
fi

plugin_args=()
if [[ -f simulator/ams_simulator/pytest_plugin.py ]]; then
    plugin_args=(-p ams_simulator.pytest_plugin)
fi

mkdir -p "$junit_dir"
status=0
PYTHONPATH="$root/simulator${PYTHONPATH:+:$PYTHONPATH}" timeout --kill-after=30 "${PYTEST_TIMEOUT:-900}" \
    "$venv/bin/python" -m pytest "${plugin_args[@]}" -p no:cacheprovider \
    --junitxml="$junit_dir/$name.xml" -o junit_suite_name="$name" "$folder" "$@" || status=$?

case $status in
    5) echo "$name: no test collected in $folder: skipped"; rm -f "$junit_dir/$name.xml"; exit 0 ;;
    124) echo "$name: stopped after ${PYTEST_TIMEOUT:-900}s" >&2 ;;
esac
exit "$status"
