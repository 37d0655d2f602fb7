#!/usr/bin/env bash
# ansible-test integration. When AMS_URL is set, the tests run against that AMS (with
# AMS_CLIENT_CERT, AMS_CLIENT_KEY, AMS_CA_CERT, AMS_SERVER_CERT, AMS_TRUST_PASSWORD); otherwise this starts
# the AMS simulator with a fresh client certificate it trusts, and always stops it again.
# Extra arguments go to ansible-test (e.g. a target name, -v).
# Environment: VENV; JUNIT_DIR (also copy the JUnit files there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hacking/wait_for_simulator.sh
source "$root/hacking/wait_for_simulator.sh"
venv=${VENV:-$root/.venv}
work=$root/build/integration
config=$root/tests/integration/integration_config.yml
simulator_pid=

runnable_targets=$(find "$root/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d \
    ! -name 'setup_*' ! -name 'prepare_*' 2>/dev/null | wc -l)
if (( runnable_targets == 0 )); then
    echo "integration: no target in tests/integration/targets yet: nothing to run"
    exit 0
fi

# shellcheck disable=SC2329  # called by the EXIT trap
stop_simulator() {
    if [[ -n $simulator_pid ]] && kill -0 "$simulator_pid" 2>/dev/null; then
        kill -TERM "$simulator_pid"
        for _ in $(seq 150); do
            kill -0 "$simulator_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$simulator_pid" 2>/dev/null; then
            echo "integration: simulator ignored SIGTERM for 15s: killing it" >&2
            kill -KILL "$simulator_pid"
        fi
        wait "$simulator_pid" 2>/dev/null || true
    fi
    rm -f "$config"
}
trap stop_simulator EXIT

start_simulator() {
    local state=$work/state ready=$work/state/ready.json
    export PYTHONPATH="$root/simulator${PYTHONPATH:+:$PYTHONPATH}"
    mkdir -p "$work/client" "$state"
    "$venv/bin/python" - "$work/client" <<'PYTHON' > "$work/client/paths"
import sys
from ams_simulator.testing import make_client_cert
cert, key, _fingerprint = make_client_cert(sys.argv[1])
print(cert)
print(key)
PYTHON
    { read -r client_cert; read -r client_key; } < "$work/client/paths"
    trust_password=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(12))')

    "$venv/bin/python" -m ams_simulator --state-dir "$state" --port 0 \
        --trust-password "$trust_password" --trust-cert "$client_cert" \
        --fail application:it-bootstrap-fails --fail container:it-crashing-app --fail node:it-broken-node \
        --stale-etag-once application/it-stale-app --stale-etag-once node/it-stale-node \
        > "$work/simulator.stdout" 2> "$work/simulator.stderr" &
    simulator_pid=$!
    wait_for_simulator integration "$simulator_pid" "$ready" "$work/simulator.stderr"
    "$venv/bin/python" "$root/hacking/integration_config.py" "$config" --prefix "$prefix" \
        --ready "$ready" --client-cert "$client_cert" --client-key "$client_key"
}

rm -rf "$work"
mkdir -p "$work"
prefix=it-$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(4))')
if [[ -n ${AMS_URL:-} ]]; then
    echo "integration: testing the AMS at $AMS_URL (resource prefix $prefix)"
    "$venv/bin/python" "$root/hacking/integration_config.py" "$config" --prefix "$prefix"
else
    start_simulator
    echo "integration: simulator pid $simulator_pid at $(grep '^ams_url:' "$config")"
fi

status=0
"$root/hacking/ansible_test.sh" integration --venv --requirements --continue-on-error --color no "$@" || status=$?
if (( status != 0 )) && [[ -n $simulator_pid ]]; then
    echo "integration: the simulator's log is $work/simulator.stderr; its request log is in $work/state" >&2
fi
exit "$status"
