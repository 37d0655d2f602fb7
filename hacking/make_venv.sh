#!/usr/bin/env bash
# Create .venv and install tests/requirements-dev.txt into it. A stamp holding the hash of
# the requirements file makes a rerun instant until that file changes.
# Environment: VENV (default <repo>/.venv), PYTHON (default: hacking/find_python.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
requirements=$root/tests/requirements-dev.txt
stamp=$venv/.requirements.sha256

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$wanted" ]] && "$venv/bin/python" -c '' 2>/dev/null; then
    exit 0
fi

if ! "$venv/bin/python" -c '' 2>/dev/null; then
    python=${PYTHON:-$("$root/hacking/find_python.sh")}
    echo "make_venv: creating $venv with $python ($("$python" --version 2>&1))"
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi

# this machine's pip configuration names index folders that do not exist: drop that noise
quiet_pip() {
    "$venv/bin/python" -m pip install --quiet "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2)
}
quiet_pip --upgrade pip
quiet_pip -r "$requirements"
echo "$wanted" > "$stamp"
echo "make_venv: $("$venv/bin/python" --version), ansible-core $("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
