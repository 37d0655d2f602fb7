#!/usr/bin/env bash
# Print the interpreter to build .venv with: the newest real 3.13 or 3.12 (what the newest
# ansible-core needs for its controller), else python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

while read -r version path; do
    if [[ $version == 3.13 || $version == 3.12 ]] && "$path" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        echo "$path"
        exit 0
    fi
done < <("$here/real_pythons.sh")

if command -v python3 >/dev/null 2>&1; then
    command -v python3
    exit 0
fi
echo "find_python: no python3 found on PATH" >&2
exit 1
