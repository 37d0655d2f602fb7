#!/usr/bin/env bash
# Everything CI checks, continuing after failures: lint, sanity, units, integration and the
# pytest suites. The steps run in three lanes side by side (much of their time is spent
# waiting, not computing; TEST_LANES=1 runs them one after the other); each step's output
# is printed whole when it ends, and it leaves
# JUnit XML under build/results/<step>/. The last line printed is their sum,
# `N passed, N failed, N skipped`. Exit status 1 if anything failed or nothing ran.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
results=$root/build/results
cd "$root" || exit 1

rm -rf "$results"
mkdir -p "$results"

# step NAME COMMAND...: run one step, its output kept in build/results/NAME.log
step() {
    local name=$1
    shift
    echo "--> $name started"
    "$venv/bin/python" hacking/run_step.py --name "$name" --results "$results/$name" -- "$@" \
        > "$results/$name.log" 2>&1
    if command -v flock >/dev/null; then
        flock "$results/.print.lock" cat "$results/$name.log"
    else
        cat "$results/$name.log"
    fi
}

# pytest_step NAME FOLDER [PYTEST ARGS...]: a pytest suite, recorded as skipped while FOLDER does not exist
pytest_step() {
    if [[ -d $2 ]]; then
        step "$1" hacking/pytest_suite.sh "$@"
    else
        "$venv/bin/python" hacking/run_step.py --name "$1" --results "$results/$1" --skip "no $2/"
    fi
}

lane_1() {
    step sanity hacking/sanity.sh
    step units hacking/units.sh
    step lint hacking/lint.sh
    pytest_step pytest-e2e-real-ams tests/e2e -m real_ams
}
lane_2() {
    step integration hacking/integration.sh
    pytest_step simulator-tests tests/simulator
    pytest_step tooling-tests hacking/tests
}
lane_3() { pytest_step pytest-e2e tests/e2e -m 'not real_ams'; }

started=$SECONDS
if [[ ${TEST_LANES:-3} == 1 ]]; then
    lane_1; lane_2; lane_3
else
    lane_1 & lane_2 & lane_3 &
    wait
fi

echo
echo "make test: $((SECONDS - started))s"
"$venv/bin/python" hacking/junit_summary.py "$results"
