#!/usr/bin/env bash
# Run `ansible-test COMMAND ARGS...` from a copy of the collection laid out as
# <copy root>/ansible_collections/anbox/ams (one copy per COMMAND, so they can run side by
# side), then copy its results (junit, bot, data, coverage, reports) back to the repo's
# tests/output/COMMAND/.
# Environment: VENV (default <repo>/.venv); JUNIT_DIR: also copy the JUnit files there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
command=${1:?usage: ansible_test.sh COMMAND [ARGS...]}

"$root/hacking/python_links.sh" "$root/build/python-bin"
export PATH="$root/build/python-bin:$venv/bin:$PATH"
"$venv/bin/python" "$root/hacking/prepare_get_pip.py"

collection=$("$root/hacking/copy_collection.sh" "$("$root/hacking/copy_root.sh" "$command")")
output=$collection/tests/output
# results of an earlier run must not be mistaken for this one's
rm -rf "$output/junit" "$output/bot" "$output/data" "$output/coverage" "$output/reports"

status=0
(cd "$collection" && ansible-test "$@") || status=$?

results=$root/tests/output/$command
rm -rf "$results"
mkdir -p "$results"
for kind in junit bot data coverage reports; do
    if [[ -d $output/$kind ]]; then
        cp -r "$output/$kind" "$results/$kind"
    fi
done
if [[ -n ${JUNIT_DIR:-} && -d $output/junit ]]; then
    mkdir -p "$JUNIT_DIR"
    cp "$output/junit/"*.xml "$JUNIT_DIR/" 2>/dev/null || true
fi
exit "$status"
