#!/usr/bin/env bash
# `make demo`: the whole anbox.ams workflow against a fresh AMS simulator.
#   1. makes (or reuses) the venv,
#   2. starts the simulator on 127.0.0.1 with a random trust password and no trusted client,
#   3. runs playbooks/demo.yml (trust bootstrap, config, server facts, node, image, addon,
#      application from a directory, publish, containers),
#   4. shows the inventory graph of the anbox.ams.ams inventory plugin,
# and always stops the simulator. Environment: VENV (default <repo>/.venv);
# DEMO_KEEP=1 keeps the work directory (certificates, simulator state and logs) afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hacking/wait_for_simulator.sh
source "$root/hacking/wait_for_simulator.sh"
venv=${VENV:-$root/.venv}
work=$(mktemp -d "${TMPDIR:-/tmp}/anbox-ams-demo.XXXXXX")
simulator_pid=

say() {
    printf '\n==> %s\n' "$*"
}

stop_simulator() {
    local status=$?
    if [[ -n $simulator_pid ]] && kill -0 "$simulator_pid" 2>/dev/null; then
        kill -TERM "$simulator_pid"
        for _ in $(seq 150); do
            kill -0 "$simulator_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$simulator_pid" 2>/dev/null; then
            kill -KILL "$simulator_pid"
        fi
        wait "$simulator_pid" 2>/dev/null || true
        echo "demo: simulator stopped"
    fi
    if (( status != 0 )); then
        echo "demo: FAILED; the simulator's log is $work/simulator.stderr" >&2
    elif [[ ${DEMO_KEEP:-0} == 1 ]]; then
        echo "demo: work directory kept: $work"
    else
        rm -rf "$work"
    fi
}
trap stop_simulator EXIT
# an interrupted demo still goes through the EXIT trap, which stops the simulator
trap 'exit 130' INT TERM

say "Virtual environment"
"$root/hacking/make_venv.sh"
python=$venv/bin/python

# Ansible finds the collection as ansible_collections/anbox/ams: a link to this checkout.
mkdir -p "$work/collections/ansible_collections/anbox"
ln -s "$root" "$work/collections/ansible_collections/anbox/ams"
export ANSIBLE_COLLECTIONS_PATH=$work/collections
export ANSIBLE_RETRY_FILES_ENABLED=False
export ANSIBLE_LOCALHOST_WARNING=False
export ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=False
# The demo's connection comes from its variables only, never from a caller's AMS_* environment.
unset AMS_URL AMS_CLIENT_CERT AMS_CLIENT_KEY AMS_CA_CERT AMS_VALIDATE_CERTS

say "Starting the AMS simulator"
trust_password=$("$python" -c 'import secrets; print(secrets.token_urlsafe(18))')
PYTHONPATH="$root/simulator" "$python" -m ams_simulator --state-dir "$work/state" --port 0 \
    --trust-password "$trust_password" > "$work/simulator.stdout" 2> "$work/simulator.stderr" &
simulator_pid=$!
ready=$work/state/ready.json
wait_for_simulator demo "$simulator_pid" "$ready" "$work/simulator.stderr"

# The playbook's variables: where the simulator listens, its CA, the trust password, and
# where the fresh client certificate goes.
"$python" - "$ready" "$work" > "$work/demo-vars.json" <<'PYTHON'
import json
import sys

ready_file, work = sys.argv[1], sys.argv[2]
with open(ready_file, encoding="utf-8") as handle:
    ready = json.load(handle)
json.dump({
    "ams_url": ready["url"],
    "ams_ca_cert": ready["ca_cert"],
    "ams_trust_password": ready["trust_password"],
    "ams_client_cert": work + "/client/client.crt",
    "ams_client_key": work + "/client/client.key",
    "demo_work_dir": work,
}, sys.stdout)
PYTHON
url=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ams_url"])' "$work/demo-vars.json")
echo "demo: simulator pid $simulator_pid at $url (no client trusted yet)"

cat > "$work/hosts.yml" <<YAML
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: $python
YAML

say "Running playbooks/demo.yml"
"$venv/bin/ansible-playbook" -i "$work/hosts.yml" -e "@$work/demo-vars.json" "$root/playbooks/demo.yml"

say "Running it again: nothing should change"
"$venv/bin/ansible-playbook" -i "$work/hosts.yml" -e "@$work/demo-vars.json" "$root/playbooks/demo.yml" \
    | tee "$work/rerun.log" | grep -E '^(PLAY RECAP|localhost )'
if ! grep -Eq '^localhost +: .*changed=0 ' "$work/rerun.log"; then
    echo "demo: the second run changed something:" >&2
    grep -E '^changed:' "$work/rerun.log" >&2 || true
    exit 1
fi

say "The inventory graph (anbox.ams.ams inventory plugin)"
"$python" - "$work/demo-vars.json" > "$work/demo.ams.yml" <<'PYTHON'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as handle:
    variables = json.load(handle)
print("plugin: anbox.ams.ams")
for option, name in (("url", "ams_url"), ("client_cert", "ams_client_cert"),
                     ("client_key", "ams_client_key"), ("ca_cert", "ams_ca_cert")):
    print("%s: %s" % (option, json.dumps(variables[name])))
PYTHON
"$venv/bin/ansible-inventory" -i "$work/demo.ams.yml" --graph

say "Done: trust bootstrap, config, image, addon, application, containers and inventory all worked"
