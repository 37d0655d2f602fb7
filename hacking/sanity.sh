#!/usr/bin/env bash
# ansible-test sanity on every Python 3.9-3.13 found, with JUnit output. The project keeps
# no ignore files: a sanity finding is fixed, never silenced.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

shopt -s nullglob
ignore_files=("$root"/tests/sanity/ignore-*.txt "$root"/tests/sanity/skip-*.txt)
if (( ${#ignore_files[@]} )); then
    echo "sanity: remove ${ignore_files[*]#"$root"/}: findings are fixed, not ignored" >&2
    exit 1
fi

exec "$root/hacking/ansible_test.sh" sanity --venv --junit --color no "$@"
